Feature: Two people with their own lists
  Kept out of features/: the project's tests use it to check evidence of several contexts.

  Scenario: Bob does not see Alice's heading
    Given Alice opens "/login"
    And Bob opens "/"
    When Alice signs in with "demo" and "s3cret"
    Then Bob sees the heading "Your account"
