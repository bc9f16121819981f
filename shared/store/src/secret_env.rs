//! Settings that are secrets (signing keys, the sealing key, OAuth client secrets) are read from AWS Secrets
//! Manager when the function starts, never kept in its environment: the environment names where each one is
//! (`JWT_PRIVATE_KEY_FROM_SECRET=<secret id>#<JSON field>`), and the function's role may read only those
//! secrets. A setting given directly (`JWT_PRIVATE_KEY=…`, as unit tests do) is used as it is.

use aws_sdk_secretsmanager::Client;
use std::collections::{BTreeMap, HashMap};

/// The settings that may come from Secrets Manager.
pub const SECRET_SETTINGS: [&str; 8] = [
    "JWT_PUBLIC_KEY",
    "JWT_PREVIOUS_PUBLIC_KEY",
    "JWT_PRIVATE_KEY",
    "INTEGRATIONS_KEY",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
];

/// The environment variable naming where a setting's secret is: `<SETTING>_FROM_SECRET`.
pub fn reference_variable(setting: &str) -> String {
    format!("{setting}_FROM_SECRET")
}

#[derive(Debug, thiserror::Error)]
pub enum SecretEnvError {
    #[error("{variable} must be `<secret id>#<JSON field>`, not {value:?}")]
    BadReference { variable: String, value: String },
    #[error("reading secret {secret}: {message}")]
    Unreadable { secret: String, message: String },
    #[error("secret {secret} has no string field `{field}`")]
    MissingField { secret: String, field: String },
}

/// Where one setting's value is: a secret and a field of its JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretReference {
    pub setting: &'static str,
    pub secret: String,
    pub field: String,
}

/// Which of `settings` `lookup` names by reference rather than by value.
pub fn references(
    settings: &[&'static str],
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<SecretReference>, SecretEnvError> {
    let mut found = Vec::new();
    for &setting in settings {
        let variable = reference_variable(setting);
        let Some(value) = lookup(&variable).filter(|v| !v.is_empty()) else { continue };
        let (secret, field) = value
            .rsplit_once('#')
            .filter(|(s, f)| !s.is_empty() && !f.is_empty())
            .ok_or_else(|| SecretEnvError::BadReference { variable: variable.clone(), value: value.clone() })?;
        found.push(SecretReference { setting, secret: secret.to_owned(), field: field.to_owned() });
    }
    Ok(found)
}

/// Reads the referenced settings, one `GetSecretValue` per distinct secret. A field missing from its
/// secret is an error, except for `JWT_PREVIOUS_PUBLIC_KEY`, which exists only around a key rotation.
pub async fn fetch(client: &Client, references: &[SecretReference]) -> Result<HashMap<String, String>, SecretEnvError> {
    let mut secrets: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    let mut values = HashMap::new();
    for reference in references {
        if !secrets.contains_key(reference.secret.as_str()) {
            let output = client.get_secret_value().secret_id(&reference.secret).send().await.map_err(|error| {
                SecretEnvError::Unreadable {
                    secret: reference.secret.clone(),
                    message: aws_sdk_secretsmanager::error::DisplayErrorContext(&error).to_string(),
                }
            })?;
            let json = output.secret_string().and_then(|text| serde_json::from_str(text).ok()).ok_or_else(|| {
                SecretEnvError::Unreadable { secret: reference.secret.clone(), message: "not a JSON object".into() }
            })?;
            secrets.insert(&reference.secret, json);
        }
        match secrets[reference.secret.as_str()][&reference.field].as_str() {
            Some(value) => {
                values.insert(reference.setting.to_owned(), value.to_owned());
            }
            None if reference.setting == "JWT_PREVIOUS_PUBLIC_KEY" => {}
            None => {
                return Err(SecretEnvError::MissingField {
                    secret: reference.secret.clone(),
                    field: reference.field.clone(),
                });
            }
        }
    }
    Ok(values)
}

/// Those of `settings` that `lookup` references, read from Secrets Manager (nothing is read when none is).
pub async fn expand(
    aws: &aws_config::SdkConfig,
    settings: &[&'static str],
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<HashMap<String, String>, SecretEnvError> {
    let references = references(settings, lookup)?;
    if references.is_empty() {
        return Ok(HashMap::new());
    }
    fetch(&Client::new(aws), &references).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_a_secret_and_a_field() {
        let env = HashMap::from([
            (
                "JWT_PUBLIC_KEY_FROM_SECRET".to_owned(),
                "arn:aws:secretsmanager:eu-west-1:1:secret:crm/dev/jwt-AbC#public_key".to_owned(),
            ),
            ("INTEGRATIONS_KEY".to_owned(), "direct".to_owned()),
        ]);
        let lookup = |name: &str| env.get(name).cloned();
        let found = references(&SECRET_SETTINGS, &lookup).unwrap();
        assert_eq!(
            found,
            [SecretReference {
                setting: "JWT_PUBLIC_KEY",
                secret: "arn:aws:secretsmanager:eu-west-1:1:secret:crm/dev/jwt-AbC".into(),
                field: "public_key".into()
            }]
        );
        let bad = |name: &str| (name == "JWT_PRIVATE_KEY_FROM_SECRET").then(|| "no-field".to_owned());
        assert!(matches!(references(&SECRET_SETTINGS, &bad), Err(SecretEnvError::BadReference { .. })));
        assert!(references(&["INTEGRATIONS_KEY"], &bad).unwrap().is_empty());
    }
}
