Feature: A page stuck in a script loop

  Scenario: The page stops responding
    Given a page whose script loops forever once it has loaded
    When the step asks the busy page for its title
    Then the page says "never reached"

  Scenario: The next scenario runs
    Given a page that says "still here"
    Then the page says "still here"
