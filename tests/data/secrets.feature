Feature: Secrets in a failing run
  Kept out of features/: the project's tests check that none of the planted secrets is
  written anywhere.

  Scenario: A password typed, printed and logged
    When I sign in with the password from the environment
    Then the secret is never printed
