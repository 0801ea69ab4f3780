"""Setting a team's repository up: ``e2e init`` (scaffold), ``e2e install`` (what pip cannot
install) and ``e2e doctor`` (what is missing, and the fix)."""
