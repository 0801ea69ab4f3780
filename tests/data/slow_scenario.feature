Feature: A scenario longer than its limit

  Scenario: Too slow for its limit
    Given a page that says "slow"
    When the step waits 3 seconds
    And the step waits 3 seconds
    And the step waits 3 seconds
    Then the page says "slow"

  Scenario: The next scenario runs
    Given a page that says "still here"
    Then the page says "still here"
