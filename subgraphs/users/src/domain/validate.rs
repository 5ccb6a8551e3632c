//! Input rules for accounts and addresses. Each failure is `BAD_USER_INPUT`
//! naming the offending field.

use mart_events::catalog::AddressPayload;
use mart_service::{address as postal, text as free_text};

use super::{AddressInput, UsersError};

// Names, emails and addresses are copied into `user.registered` and, through
// saved addresses, into orders and their events: each is bounded here
// (docs/limits.md lists them all).

/// The longest address RFC 5321 lets a mail server deliver to.
pub const MAX_EMAIL_CHARS: usize = 254;
/// A person's display name: short by nature. (An address's bounds are
/// `mart_service::address`'s, shared with orders.)
pub const MAX_NAME_CHARS: usize = 100;
/// Refresh tokens this service hands out have 43 characters (256 bits in
/// base64url); a longer one cannot be ours and is refused before it is hashed.
pub const MAX_REFRESH_TOKEN_CHARS: usize = 128;

/// The key emails are unique on and looked up by: trimmed, lower-cased.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address (`local@domain.tld`, no spaces, ≤ 254 characters),
/// returned trimmed.
pub fn email(email: &str) -> Result<String, UsersError> {
    let email = email.trim();
    let bad = || UsersError::bad_input("email", "enter an email address like name@example.com");
    if email.chars().count() > MAX_EMAIL_CHARS || email.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    if local.is_empty() || !domain_ok {
        return Err(bad());
    }
    Ok(email.to_string())
}

/// The email given at sign-in: no account has a longer one, so a longer one is
/// refused before anything is looked up or counted.
pub fn login_email(email: &str) -> Result<&str, UsersError> {
    if email.trim().chars().count() > MAX_EMAIL_CHARS {
        return Err(UsersError::bad_input(
            "email",
            format!("email may have at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    Ok(email)
}

/// A refresh token presented to `refreshToken` or `logout`, under `field`.
pub fn refresh_token<'a>(field: &'static str, token: &'a str) -> Result<&'a str, UsersError> {
    if token.chars().count() > MAX_REFRESH_TOKEN_CHARS {
        return Err(UsersError::bad_input(
            field,
            format!("{field} may have at most {MAX_REFRESH_TOKEN_CHARS} characters"),
        ));
    }
    Ok(token)
}

/// A display name: 1–100 characters after trimming, no control characters
/// or text-direction overrides.
pub fn name(field: &'static str, value: &str) -> Result<String, UsersError> {
    free_text::one_line(value, MAX_NAME_CHARS)
        .map_err(|problem| UsersError::bad_input(field, problem.message(field)))
}

/// The address with every field trimmed and the country upper-cased, by the
/// rules orders applies too (`mart_service::address`).
pub fn address(input: &AddressInput) -> Result<AddressInput, UsersError> {
    let clean = postal::validate(&AddressPayload {
        name: input.name.clone(),
        line1: input.line1.clone(),
        line2: input.line2.clone(),
        city: input.city.clone(),
        postal_code: input.postal_code.clone(),
        country: input.country.clone(),
    })
    .map_err(|e| UsersError::bad_input(e.field.as_str(), e.message))?;
    Ok(AddressInput {
        name: clean.name,
        line1: clean.line1,
        line2: clean.line2,
        city: clean.city,
        postal_code: clean.postal_code,
        country: clean.country,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email("  Ada@Example.com ").unwrap(), "Ada@Example.com");
        assert_eq!(email_key(" Ada@Example.COM"), "ada@example.com");
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a da@x.io",
            "a@b@c.io",
            "a@-x.io",
        ] {
            let err = email(bad).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad:?}");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn sign_in_emails_and_refresh_tokens_are_bounded() {
        assert!(login_email("ada@example.com").is_ok());
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL_CHARS));
        assert_eq!(login_email(&long).unwrap_err().code(), "BAD_USER_INPUT");
        assert!(refresh_token("token", &"t".repeat(43)).is_ok());
        let long = "t".repeat(MAX_REFRESH_TOKEN_CHARS + 1);
        match refresh_token("token", &long).unwrap_err() {
            UsersError::BadInput { field, .. } => assert_eq!(field, "token"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn addresses_are_normalised_and_checked() {
        let input = AddressInput {
            name: " Ada ".into(),
            line1: "1 Analytical Way".into(),
            line2: Some("  ".into()),
            city: "London".into(),
            postal_code: "N1 9GU".into(),
            country: "gb".into(),
        };
        let clean = address(&input).unwrap();
        assert_eq!(clean.name, "Ada");
        assert_eq!(clean.line2, None);
        assert_eq!(clean.country, "GB");

        let bad_country = AddressInput {
            country: "UK".into(),
            ..input.clone()
        };
        match address(&bad_country).unwrap_err() {
            UsersError::BadInput { field, .. } => assert_eq!(field, "country"),
            other => panic!("{other:?}"),
        }
        let reversed = AddressInput {
            line1: "1 Analytical Way\u{202E}".into(),
            ..input.clone()
        };
        match address(&reversed).unwrap_err() {
            UsersError::BadInput { field, .. } => assert_eq!(field, "line1"),
            other => panic!("{other:?}"),
        }
        let no_city = AddressInput {
            city: " ".into(),
            ..input
        };
        assert!(address(&no_city).is_err());
    }
}
