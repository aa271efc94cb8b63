//! Request parameters as Mastodon clients send them: the query string and a JSON, form or
//! multipart body, merged, with Rails brackets (`a[]=`, `a[b]=`, `a[0][b]=`) and lenient scalars
//! (`true/false/1/0`, numbers as strings) decoded into one typed value.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde_json::{Map, Value};

use crate::error::AppError;

/// Largest body read as parameters (uploads have their own limits).
const BODY_LIMIT: usize = 1024 * 1024;

/// Parameters from the query string and the body, decoded into `T`.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Params<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let tree = read_tree(request, state, None).await?;
        refuse_nul(&tree)?;
        decode(Value::Object(tree)).map(Params)
    }
}

/// `Params` and the files of a multipart body, each read up to `FILE_LIMIT` bytes.
#[derive(Debug)]
pub struct ParamsWithFiles<T, const FILE_LIMIT: usize>(pub T, pub Files);

impl<S: Send + Sync, T: DeserializeOwned, const FILE_LIMIT: usize> FromRequest<S>
    for ParamsWithFiles<T, FILE_LIMIT>
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut files = Files {
            limit: FILE_LIMIT,
            sent: Vec::new(),
        };
        let tree = read_tree(request, state, Some(&mut files)).await?;
        refuse_nul(&tree)?;
        Ok(ParamsWithFiles(decode(Value::Object(tree))?, files))
    }
}

/// Files sent in a multipart body, by field name.
#[derive(Debug, Default)]
pub struct Files {
    limit: usize,
    sent: Vec<(String, File)>,
}

/// One file sent.
#[derive(Debug)]
pub enum File {
    Bytes(Vec<u8>),
    /// Over the limit: the rest was not kept.
    TooLarge,
}

impl Files {
    /// The file sent as `name` (the last one, if sent more than once).
    pub fn take(&mut self, name: &str) -> Option<File> {
        let at = self.sent.iter().rposition(|(sent, _)| sent == name)?;
        Some(self.sent.swap_remove(at).1)
    }
}

/// Reads the query string and body into a parameter tree; a multipart body's files go to
/// `files` when given, and are skipped otherwise.
async fn read_tree<S: Send + Sync>(
    request: Request,
    state: &S,
    mut files: Option<&mut Files>,
) -> Result<Map<String, Value>, AppError> {
    let mut tree = Map::new();
    if let Some(query) = request.uri().query() {
        insert_pairs(&mut tree, form_urlencoded::parse(query.as_bytes()));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if let Some(file_name) = field.file_name() {
                let field_file_name_empty = file_name.is_empty();
                // Files are read only by the endpoints that take them.
                if let Some(files) = files.as_deref_mut() {
                    let mut bytes = Vec::new();
                    let mut too_large = false;
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        too_large |= bytes.len() + chunk.len() > files.limit;
                        if !too_large {
                            bytes.extend_from_slice(&chunk);
                        }
                    }
                    // A browser's file input with no file chosen sends an empty part with an
                    // empty name: nothing was sent.
                    if bytes.is_empty() && field_file_name_empty {
                        continue;
                    }
                    let file = if too_large {
                        File::TooLarge
                    } else {
                        File::Bytes(bytes)
                    };
                    files.sent.push((name, file));
                }
                continue;
            }
            let text = field.text().await.map_err(multipart_error)?;
            insert_pairs(&mut tree, std::iter::once((name.into(), text.into())));
        }
    } else {
        let body = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| AppError::TooLarge)?;
        if !body.iter().all(u8::is_ascii_whitespace) {
            if content_type.starts_with("application/x-www-form-urlencoded") {
                insert_pairs(&mut tree, form_urlencoded::parse(&body));
            } else if content_type.starts_with("application/json") || content_type.is_empty() {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(object)) => tree.extend(object),
                    Ok(_) => return Err(AppError::BadRequest("Expected a JSON object".into())),
                    Err(e) => return Err(AppError::BadRequest(format!("Invalid JSON: {e}"))),
                }
            } else {
                return Err(AppError::BadRequest(format!(
                    "Unsupported content type {content_type:?}"
                )));
            }
        }
    }
    Ok(tree)
}

/// Refuses a NUL character anywhere in the parameters, names included: no text may hold one
/// (PostgreSQL cannot store it), so it is turned away here, once for every endpoint.
fn refuse_nul(tree: &Map<String, Value>) -> Result<(), AppError> {
    fn holds_nul(value: &Value) -> bool {
        match value {
            Value::String(text) => text.contains('\0'),
            Value::Array(items) => items.iter().any(holds_nul),
            Value::Object(map) => map
                .iter()
                .any(|(key, value)| key.contains('\0') || holds_nul(value)),
            _ => false,
        }
    }
    if tree
        .iter()
        .any(|(key, value)| key.contains('\0') || holds_nul(value))
    {
        return Err(AppError::Invalid(
            "Validation failed: Text may not contain NUL characters".into(),
        ));
    }
    Ok(())
}

/// A body over the route's limit is 413; anything else wrong with it is 400.
pub(crate) fn multipart_error(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(error.body_text())
    }
}

/// Decodes a parameter tree into `T`, leniently.
pub fn decode<T: DeserializeOwned>(tree: Value) -> Result<T, AppError> {
    T::deserialize(Lenient(tree)).map_err(|e| AppError::Invalid(format!("Validation failed: {e}")))
}

/// Parses `application/x-www-form-urlencoded` text into a parameter tree (for tests and forms).
pub fn tree_from_form(text: &str) -> Value {
    let mut tree = Map::new();
    insert_pairs(&mut tree, form_urlencoded::parse(text.as_bytes()));
    Value::Object(tree)
}

fn insert_pairs<'a>(
    tree: &mut Map<String, Value>,
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) {
    for (key, value) in pairs {
        let (name, path) = split_brackets(&key);
        insert_at(tree, name, &path, Value::String(value.into_owned()));
    }
}

/// Deepest bracket nesting read (Rails allows 100; Mastodon's parameters need 3). Deeper keys are
/// kept whole as names, so a hostile `a[b][b]...` cannot recurse without bound.
const MAX_BRACKET_DEPTH: usize = 8;

/// `a[b][]` becomes `("a", ["b", ""])`; a key without brackets has an empty path.
fn split_brackets(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let name = &key[..open];
    let mut path = Vec::new();
    let mut rest = &key[open..];
    while let Some(inner) = rest.strip_prefix('[') {
        match inner.find(']') {
            Some(close) => {
                path.push(&inner[..close]);
                rest = &inner[close + 1..];
            }
            // An unclosed bracket is part of the name, as Rails reads it.
            None => return (key, Vec::new()),
        }
        if path.len() > MAX_BRACKET_DEPTH {
            return (key, Vec::new());
        }
    }
    (name, path)
}

fn insert_at(tree: &mut Map<String, Value>, name: &str, path: &[&str], value: Value) {
    match path.split_first() {
        None => {
            tree.insert(name.to_owned(), value);
        }
        Some((&"", rest)) => {
            let slot = tree
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(items) = slot {
                if rest.is_empty() {
                    items.push(value);
                } else {
                    // `a[][b]=`: a new element unless the last one lacks this key.
                    let key = rest[0];
                    let reuse = matches!(items.last(), Some(Value::Object(o)) if !o.contains_key(key));
                    if !reuse {
                        items.push(Value::Object(Map::new()));
                    }
                    if let Some(Value::Object(last)) = items.last_mut() {
                        insert_at(last, key, &rest[1..], value);
                    }
                }
            }
        }
        Some((key, rest)) => {
            let slot = tree
                .entry(name.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert_at(inner, key, rest, value);
            }
        }
    }
}

/// A `serde_json::Value` read leniently: strings stand for booleans and numbers, objects with
/// numeric keys (`a[0][b]`) for sequences, and a single value for a one-element sequence.
struct Lenient(Value);

type DeError = de::value::Error;

fn invalid(what: &str, value: &Value) -> DeError {
    de::Error::custom(format!("expected {what}, got {value}"))
}

impl Lenient {
    fn number_text(&self) -> Option<String> {
        match &self.0 {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.trim().to_owned()),
            _ => None,
        }
    }
}

macro_rules! lenient_number {
    ($method:ident, $visit:ident, $ty:ty, $what:literal) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.number_text().and_then(|t| t.parse::<$ty>().ok()) {
                Some(n) => visitor.$visit(n),
                None => Err(invalid($what, &self.0)),
            }
        }
    };
}

impl<'de> de::Deserializer<'de> for Lenient {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(0.0))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter().map(Lenient)))
            }
            Value::Object(map) => visitor.visit_map(de::value::MapDeserializer::new(
                map.into_iter().map(|(k, v)| (k, Lenient(v))),
            )),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let value = match &self.0 {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" | "t" => Some(true),
                "false" | "0" | "off" | "no" | "f" | "" => Some(false),
                _ => None,
            },
            Value::Null => Some(false),
            _ => None,
        };
        match value {
            Some(b) => visitor.visit_bool(b),
            None => Err(invalid("a boolean", &self.0)),
        }
    }

    lenient_number!(deserialize_i8, visit_i8, i8, "an integer");
    lenient_number!(deserialize_i16, visit_i16, i16, "an integer");
    lenient_number!(deserialize_i32, visit_i32, i32, "an integer");
    lenient_number!(deserialize_i64, visit_i64, i64, "an integer");
    lenient_number!(deserialize_u8, visit_u8, u8, "a non-negative integer");
    lenient_number!(deserialize_u16, visit_u16, u16, "a non-negative integer");
    lenient_number!(deserialize_u32, visit_u32, u32, "a non-negative integer");
    lenient_number!(deserialize_u64, visit_u64, u64, "a non-negative integer");
    lenient_number!(deserialize_f32, visit_f32, f32, "a number");
    lenient_number!(deserialize_f64, visit_f64, f64, "a number");

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            Value::Number(n) => visitor.visit_string(n.to_string()),
            Value::Bool(b) => visitor.visit_string(b.to_string()),
            other => Err(invalid("a string", &other)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let items: Vec<Value> = match self.0 {
            Value::Array(items) => items,
            Value::Object(map) if map.keys().all(|k| k.parse::<u64>().is_ok()) => {
                let mut entries: Vec<(u64, Value)> = map
                    .into_iter()
                    .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v)))
                    .collect();
                entries.sort_by_key(|(i, _)| *i);
                entries.into_iter().map(|(_, v)| v).collect()
            }
            Value::Null => Vec::new(),
            single => vec![single],
        };
        visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter().map(Lenient)))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => Err(invalid("one of the allowed words", &other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, DeError> for Lenient {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// For optional ids and numbers: absent, null and `""` are all "not given".
pub fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(de::Error::custom),
        Some(Value::Number(n)) => n.to_string().parse().map(Some).map_err(de::Error::custom),
        Some(other) => Err(de::Error::custom(format!("expected a number, got {other}"))),
    }
}

/// For a value a client may clear: absent is `None` (leave it as it is), null or `""` is
/// `Some(None)` (clear it), anything else `Some(Some(value))`. Use with `#[serde(default)]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: de::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    empty_as_none(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Field {
        name: String,
        value: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Example {
        #[serde(default)]
        locked: bool,
        #[serde(default)]
        limit: Option<u32>,
        #[serde(default)]
        types: Vec<String>,
        #[serde(default)]
        fields_attributes: Vec<Field>,
        #[serde(default)]
        source: Option<Source>,
        #[serde(default, deserialize_with = "empty_as_none")]
        max_id: Option<i64>,
        #[serde(default)]
        display_name: Option<String>,
        #[serde(default, deserialize_with = "nullable")]
        expires_in: Option<Option<i64>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Source {
        privacy: Option<String>,
        sensitive: Option<bool>,
    }

    fn from_form(text: &str) -> Example {
        decode(tree_from_form(text)).unwrap()
    }

    #[test]
    fn rails_brackets_and_string_scalars_decode() {
        let example = from_form(
            "locked=1&limit=20&types[]=mention&types[]=follow&fields_attributes[0][name]=a\
             &fields_attributes[0][value]=b&fields_attributes[1][name]=c&fields_attributes[1][value]=d\
             &source[privacy]=private&source[sensitive]=true&max_id=&display_name=",
        );
        assert!(example.locked);
        assert_eq!(example.limit, Some(20));
        assert_eq!(example.types, ["mention", "follow"]);
        assert_eq!(example.fields_attributes.len(), 2);
        assert_eq!(example.fields_attributes[1].value, "d");
        assert_eq!(example.source.as_ref().and_then(|s| s.sensitive), Some(true));
        assert_eq!(example.max_id, None);
        assert_eq!(example.display_name.as_deref(), Some(""));
    }

    #[test]
    fn array_of_objects_with_empty_brackets_decodes() {
        let example = from_form(
            "fields_attributes[][name]=a&fields_attributes[][value]=b&fields_attributes[][name]=c&fields_attributes[][value]=d",
        );
        assert_eq!(
            example.fields_attributes,
            [
                Field {
                    name: "a".into(),
                    value: "b".into()
                },
                Field {
                    name: "c".into(),
                    value: "d".into()
                }
            ]
        );
    }

    #[test]
    fn json_values_decode_the_same() {
        let example: Example = decode(serde_json::json!({
            "locked": "false", "limit": "5", "types": "mention", "max_id": 42,
            "fields_attributes": {"0": {"name": "x", "value": "y"}}
        }))
        .unwrap();
        assert!(!example.locked);
        assert_eq!(example.limit, Some(5));
        assert_eq!(example.types, ["mention"]);
        assert_eq!(example.max_id, Some(42));
        assert_eq!(example.fields_attributes[0].name, "x");
    }

    #[test]
    fn wrong_types_are_validation_errors() {
        let result: Result<Example, _> = decode(tree_from_form("limit=many"));
        assert!(matches!(result, Err(AppError::Invalid(_))));
        let result: Result<Example, _> = decode(tree_from_form("locked=perhaps"));
        assert!(matches!(result, Err(AppError::Invalid(_))));
    }

    #[test]
    fn nullable_values_tell_absent_from_cleared() {
        assert_eq!(from_form("").expires_in, None);
        assert_eq!(from_form("expires_in=").expires_in, Some(None));
        assert_eq!(from_form("expires_in=3600").expires_in, Some(Some(3600)));
        let cleared: Example = decode(serde_json::json!({ "expires_in": null })).unwrap();
        assert_eq!(cleared.expires_in, Some(None));
        let result: Result<Example, _> = decode(tree_from_form("expires_in=soon"));
        assert!(matches!(result, Err(AppError::Invalid(_))));
    }

    #[test]
    fn deep_nesting_is_kept_flat() {
        let key = format!("a{}", "[b]".repeat(100_000));
        let (name, path) = split_brackets(&key);
        assert_eq!((name.len(), path.len()), (key.len(), 0));
        let tree = tree_from_form(&format!("{key}=1"));
        assert!(tree.get(&key).is_some());
    }

    #[test]
    fn unclosed_bracket_is_part_of_the_name() {
        assert_eq!(split_brackets("a[b"), ("a[b", vec![]));
        assert_eq!(split_brackets("a[b][]"), ("a", vec!["b", ""]));
    }
}
