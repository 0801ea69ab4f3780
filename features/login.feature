@login
Feature: Signing in
  Customers sign in with their username and password to see their orders.
  Wrong or missing credentials are refused with a message that says what to fix.

  Background:
    Given I open "/login"

  @smoke
  Scenario: Signing in with valid credentials opens the account page
    When I fill in "Username" with "demo"
    And I fill in "Password" with "s3cret"
    And I click the "Sign in" button
    Then the URL ends with "/account"
    And I see the heading "Welcome, Demo User!"
    And the element with test id "account-user" has text "You are signed in as demo."
    And the list "Recent orders" has 2 items
    And I take a screenshot named "account page"

  Scenario Outline: Sign-in is refused when credentials are <problem>
    When I fill in "Username" with "<username>"
    And I fill in "Password" with "<password>"
    And I click the "Sign in" button
    Then I see the alert "<message>"
    And the URL ends with "/login"
    And I do not see "Recent orders"

    @validation
    Examples: Missing credentials
      | problem          | username | password | message                                   |
      | missing          |          |          | Please enter your username and password. |
      | without password | demo     |          | Please enter your username and password. |
      | without username |          | s3cret   | Please enter your username and password. |

    @security
    Examples: Wrong credentials
      | problem             | username | password | message                       |
      | a wrong password    | demo     | secret   | Invalid username or password. |
      | an unknown user     | nobody   | s3cret   | Invalid username or password. |
      | in the wrong case   | DEMO     | s3cret   | Invalid username or password. |

  Scenario: A refused sign-in keeps the username but not the password
    When I fill in "Username" with "demo"
    And I fill in "Password" with "not-my-password"
    And I click the "Sign in" button
    Then I see the alert "Invalid username or password."
    And the field "Username" has the value "demo"
    And the field "Password" has the value ""

  Scenario: "Remember me" keeps the customer signed in on this device
    When I fill in the form:
      | field       | value  |
      | Username    | demo   |
      | Password    | s3cret |
      | Remember me | yes    |
    And I click the "Sign in" button
    Then the element with test id "account-session" has text "This device will remember you for 30 days."

  Scenario: Signing out ends the session
    Given I am logged in as "demo"
    When I click the "Sign out" button
    Then the URL ends with "/"
    When I open "/account"
    Then I see "Please sign in to see your account."
    And I do not see "Welcome, Demo User!"
