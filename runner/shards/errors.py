"""The shards stage's error: what the stash, the fetch and the merge raise for a person to read."""

from __future__ import annotations


class MergeError(Exception):
    """Shards cannot be stashed or merged; the message names the shard and what is wrong."""
