//! The verifier against genuine, expired, forged and tampered tokens, with static
//! keys and with a JWKS served over loopback HTTP.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use uuid::Uuid;

use crate::claims::now_secs;
use crate::{
    AccessClaims, JwkSet, JwksOptions, KeySet, Role, SigningKey, TokenIssuer, TokenSettings,
    Verifier, VerifierSettings, VerifyError,
};

const ISSUER: &str = "mart-users";
const AUDIENCE: &str = "mart";

fn issuer() -> TokenIssuer {
    let (key, _) = SigningKey::generate_ed25519().unwrap();
    TokenIssuer::new(
        KeySet::new(key),
        TokenSettings {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            access_token_ttl: Duration::from_secs(900),
        },
    )
}

fn settings() -> VerifierSettings {
    VerifierSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        leeway: Duration::from_secs(5),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn claims_for(user: Uuid, role: Role) -> AccessClaims {
    AccessClaims::new(ISSUER, AUDIENCE, user, role, now_secs(), 900)
}

#[tokio::test]
async fn a_genuine_token_is_accepted_with_its_claims() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let user = Uuid::new_v4();
    let token = issuer.issue(user, Role::Admin).unwrap();
    let claims = verifier.verify(&token.token).await.unwrap();
    assert_eq!(claims.user_id(), Some(user));
    assert_eq!(claims.role, Role::Admin);
    assert_eq!(claims.scope, "admin customer");
    assert_eq!(claims.exp, claims.iat + 900);
    let header = jsonwebtoken::decode_header(&token.token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), Some(issuer.keys().signing().kid()));
}

#[tokio::test]
async fn an_expired_token_is_refused_beyond_the_leeway_only() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let mut claims = claims_for(Uuid::new_v4(), Role::Customer);
    claims.exp = now_secs() - 60;
    let expired = issuer.sign(claims.clone()).unwrap();
    assert_eq!(
        verifier.verify(&expired.token).await,
        Err(VerifyError::Expired)
    );
    // Within the 5 s leeway a just-expired token still passes (clock skew).
    claims.exp = now_secs() - 1;
    let skewed = issuer.sign(claims).unwrap();
    assert!(verifier.verify(&skewed.token).await.is_ok());
}

#[tokio::test]
async fn a_token_accepted_before_is_refused_once_it_expires() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let mut claims = claims_for(Uuid::new_v4(), Role::Customer);
    // Passes for two or three more seconds, within the 5 s leeway: time enough for the
    // first two checks even on a loaded machine.
    claims.exp = now_secs() - 2;
    let token = issuer.sign(claims).unwrap();
    assert!(verifier.verify(&token.token).await.is_ok());
    assert!(
        verifier.verify(&token.token).await.is_ok(),
        "accepted again"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    loop {
        match verifier.verify(&token.token).await {
            Err(VerifyError::Expired) => break,
            Ok(_) => assert!(
                std::time::Instant::now() < deadline,
                "still accepted past exp and leeway"
            ),
            Err(other) => panic!("refused for another reason: {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_token_accepted_before_does_not_vouch_for_a_tampered_copy() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let token = issuer.issue(Uuid::new_v4(), Role::Customer).unwrap();
    assert!(verifier.verify(&token.token).await.is_ok());
    let (head_and_payload, signature) = token.token.rsplit_once('.').unwrap();
    let mut forged_signature = signature.to_string();
    let last = if forged_signature.ends_with('A') {
        "B"
    } else {
        "A"
    };
    forged_signature.replace_range(forged_signature.len() - 1.., last);
    let forged = format!("{head_and_payload}.{forged_signature}");
    assert!(verifier.verify(&forged).await.is_err());
    let mut claims = token.claims.clone();
    claims.role = Role::Admin;
    let parts: Vec<&str> = token.token.split('.').collect();
    let payload = b64(&serde_json::to_vec(&claims).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_eq!(
        verifier.verify(&tampered).await,
        Err(VerifyError::BadSignature)
    );
}

#[tokio::test]
async fn a_token_from_an_unknown_key_is_refused() {
    let trusted = issuer();
    let stranger = issuer();
    let verifier = Verifier::with_keys(settings(), &trusted.keys().jwks());
    let token = stranger.issue(Uuid::new_v4(), Role::Admin).unwrap();
    assert_eq!(
        verifier.verify(&token.token).await,
        Err(VerifyError::UnknownKey)
    );

    // The stranger's signature under the trusted key's kid does not verify.
    let (other_key, pem) = SigningKey::generate_ed25519().unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(trusted.keys().signing().kid().to_string());
    let forged = jsonwebtoken::encode(
        &header,
        &claims_for(Uuid::new_v4(), Role::Admin),
        &EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_ne!(other_key.kid(), trusted.keys().signing().kid());
    assert_eq!(
        verifier.verify(&forged).await,
        Err(VerifyError::BadSignature)
    );
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let token = issuer.issue(Uuid::new_v4(), Role::Customer).unwrap();
    let parts: Vec<&str> = token.token.split('.').collect();
    let mut claims = token.claims.clone();
    claims.role = Role::Admin;
    claims.scope = "admin customer".into();
    let payload = b64(&serde_json::to_vec(&claims).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_eq!(
        verifier.verify(&tampered).await,
        Err(VerifyError::BadSignature)
    );
}

#[tokio::test]
async fn alg_none_is_refused() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let kid = issuer.keys().signing().kid();
    let claims = claims_for(Uuid::new_v4(), Role::Admin);
    let payload = b64(&serde_json::to_vec(&claims).unwrap());
    for alg in ["none", "None", "NONE"] {
        let header = b64(format!(r#"{{"alg":"{alg}","kid":"{kid}","typ":"JWT"}}"#).as_bytes());
        for signature in ["", "AAAA"] {
            let token = format!("{header}.{payload}.{signature}");
            assert_eq!(
                verifier.verify(&token).await,
                Err(VerifyError::DisallowedAlgorithm(alg.to_string())),
                "{token}"
            );
        }
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_as_secret_is_refused() {
    let issuer = issuer();
    let jwks = issuer.keys().jwks();
    let verifier = Verifier::with_keys(settings(), &jwks);
    let kid = issuer.keys().signing().kid().to_string();
    let public_json = serde_json::to_vec(&jwks.keys[0]).unwrap();
    let jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(okp) = &jwks.keys[0].algorithm else {
        panic!("an Ed25519 key");
    };
    let raw_public = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&okp.x)
        .unwrap();
    for secret in [
        public_json.as_slice(),
        raw_public.as_slice(),
        okp.x.as_bytes(),
    ] {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let mut header = Header::new(alg);
            header.kid = Some(kid.clone());
            let token = jsonwebtoken::encode(
                &header,
                &claims_for(Uuid::new_v4(), Role::Admin),
                &EncodingKey::from_secret(secret),
            )
            .unwrap();
            assert_eq!(
                verifier.verify(&token).await,
                Err(VerifyError::DisallowedAlgorithm(format!("{alg:?}")))
            );
        }
    }
}

#[tokio::test]
async fn wrong_issuer_audience_or_subject_is_refused() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let base = claims_for(Uuid::new_v4(), Role::Customer);

    let mut claims = base.clone();
    claims.iss = "someone-else".into();
    let token = issuer.sign(claims).unwrap().token;
    assert_eq!(verifier.verify(&token).await, Err(VerifyError::WrongIssuer));

    let mut claims = base.clone();
    claims.aud = "another-app".into();
    let token = issuer.sign(claims).unwrap().token;
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::WrongAudience)
    );

    let mut claims = base;
    claims.sub = "not-a-user-id".into();
    let token = issuer.sign(claims).unwrap().token;
    assert_eq!(
        verifier.verify(&token).await,
        Err(VerifyError::InvalidClaims)
    );
}

#[tokio::test]
async fn garbage_is_malformed() {
    let verifier = Verifier::with_keys(settings(), &JwkSet::default());
    for token in ["", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "e30.e30.sig"] {
        let err = verifier.verify(token).await.unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed | VerifyError::DisallowedAlgorithm(_)
            ),
            "{token}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_header_claiming_rs256_for_an_ed25519_key_is_refused() {
    let issuer = issuer();
    let verifier = Verifier::with_keys(settings(), &issuer.keys().jwks());
    let token = issuer.issue(Uuid::new_v4(), Role::Customer).unwrap().token;
    let parts: Vec<&str> = token.split('.').collect();
    let kid = issuer.keys().signing().kid();
    let header = b64(format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#).as_bytes());
    let swapped = format!("{header}.{}.{}", parts[1], parts[2]);
    assert!(matches!(
        verifier.verify(&swapped).await,
        Err(VerifyError::DisallowedAlgorithm(_))
    ));
}

#[tokio::test]
async fn retired_keys_stay_valid_while_published() {
    let old = issuer();
    let (new_key, _) = SigningKey::generate_ed25519().unwrap();
    let rotated = KeySet::new(new_key).with_published(old.keys().signing().public_jwk().clone());
    assert_eq!(rotated.jwks().keys.len(), 2);
    let verifier = Verifier::with_keys(settings(), &rotated.jwks());
    let token = old.issue(Uuid::new_v4(), Role::Customer).unwrap();
    assert!(verifier.verify(&token.token).await.is_ok());
}

/// A JWKS endpoint on loopback whose key set the test can swap, counting fetches.
struct JwksServer {
    url: String,
    jwks: Arc<Mutex<JwkSet>>,
    fetches: Arc<AtomicUsize>,
}

async fn serve_jwks(initial: JwkSet) -> JwksServer {
    use axum::routing::get;
    let jwks = Arc::new(Mutex::new(initial));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (state_jwks, state_fetches) = (jwks.clone(), fetches.clone());
    let app = axum::Router::new().route(
        crate::JWKS_PATH,
        get(move || {
            let jwks = state_jwks.lock().unwrap().clone();
            state_fetches.fetch_add(1, Ordering::SeqCst);
            async move { axum::Json(jwks) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    JwksServer {
        url: format!("http://{addr}{}", crate::JWKS_PATH),
        jwks,
        fetches,
    }
}

#[tokio::test]
async fn a_remote_jwks_is_fetched_once_and_cached() {
    let issuer = issuer();
    let server = serve_jwks(issuer.keys().jwks()).await;
    let verifier = Verifier::with_jwks_url(settings(), &server.url, JwksOptions::default());
    assert_eq!(server.fetches.load(Ordering::SeqCst), 0, "fetched lazily");
    for _ in 0..5 {
        let token = issuer.issue(Uuid::new_v4(), Role::Customer).unwrap();
        verifier.verify(&token.token).await.unwrap();
    }
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_on_its_first_token() {
    let before = issuer();
    let server = serve_jwks(before.keys().jwks()).await;
    let options = JwksOptions {
        min_refetch_interval: Duration::ZERO,
        ..JwksOptions::default()
    };
    let verifier = Verifier::with_jwks_url(settings(), &server.url, options);
    let token = before.issue(Uuid::new_v4(), Role::Customer).unwrap();
    verifier.verify(&token.token).await.unwrap();

    let after = issuer();
    *server.jwks.lock().unwrap() = after.keys().jwks();
    let token = after.issue(Uuid::new_v4(), Role::Customer).unwrap();
    verifier.verify(&token.token).await.unwrap();
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn unknown_kids_do_not_hammer_the_issuer() {
    let trusted = issuer();
    let server = serve_jwks(trusted.keys().jwks()).await;
    let verifier = Verifier::with_jwks_url(settings(), &server.url, JwksOptions::default());
    let stranger = issuer();
    for _ in 0..10 {
        let token = stranger.issue(Uuid::new_v4(), Role::Admin).unwrap();
        assert_eq!(
            verifier.verify(&token.token).await,
            Err(VerifyError::UnknownKey)
        );
    }
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        1,
        "one load; refetches for unknown kids are throttled"
    );
}

#[tokio::test]
async fn the_cache_is_refreshed_on_a_timer() {
    let issuer = issuer();
    let server = serve_jwks(issuer.keys().jwks()).await;
    let options = JwksOptions {
        refresh_every: Duration::from_millis(200),
        min_refetch_interval: Duration::ZERO,
        ..JwksOptions::default()
    };
    let verifier = Verifier::with_jwks_url(settings(), &server.url, options);
    let token = issuer.issue(Uuid::new_v4(), Role::Customer).unwrap();
    verifier.verify(&token.token).await.unwrap();
    // Once the keys are older than refresh_every, the next verification refetches
    // even though its kid is known.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.fetches.load(Ordering::SeqCst) < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no refresh on the timer"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        verifier.verify(&token.token).await.unwrap();
    }
}

#[tokio::test]
async fn an_unreachable_jwks_is_our_failure_not_the_clients() {
    let issuer = issuer();
    // A port nothing listens on: bind, note it, close it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let verifier = Verifier::with_jwks_url(settings(), url, JwksOptions::default());
    let token = issuer.issue(Uuid::new_v4(), Role::Customer).unwrap();
    let err = verifier.verify(&token.token).await.unwrap_err();
    assert!(matches!(err, VerifyError::KeysUnavailable(_)), "{err:?}");
    assert!(!err.is_client_error());
}
