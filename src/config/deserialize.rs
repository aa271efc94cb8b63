//! Deserializers for configuration values that come from TOML or one environment variable.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Deserialize;

use super::Network;

pub(super) fn deserialize_socket_addr<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.trim()
        .parse()
        .map_err(|_| serde::de::Error::custom(format!("expected an ip:port address, got {text:?}")))
}

/// Accepts a list, or (from the environment) a string split on commas.
pub(super) fn deserialize_list_comma<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    deserialize_list(d, ',')
}

/// Accepts a list, or (from the environment) a string split on newlines.
pub(super) fn deserialize_list_newline<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    deserialize_list(d, '\n')
}

pub(super) fn deserialize_list<'de, D: serde::Deserializer<'de>>(
    d: D,
    separator: char,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Items(Vec<String>),
        Text(String),
    }
    Ok(match List::deserialize(d)? {
        List::Items(items) => items,
        List::Text(text) => text
            .split(separator)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

pub(super) fn deserialize_networks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Network>, D::Error> {
    deserialize_list(d, ',')?
        .iter()
        .map(|item| item.parse().map_err(serde::de::Error::custom))
        .collect()
}

/// Accepts a TOML table `{ "host" = "ip:port" }` or, from the environment, `host=ip:port,host=ip:port`.
pub(super) fn deserialize_resolve<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, SocketAddr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Resolve {
        Table(BTreeMap<String, String>),
        List(String),
    }
    let pairs: Vec<(String, String)> = match Resolve::deserialize(d)? {
        Resolve::Table(table) => table.into_iter().collect(),
        Resolve::List(list) => list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.split_once('=')
                    .map(|(h, a)| (h.trim().to_owned(), a.trim().to_owned()))
                    .ok_or_else(|| serde::de::Error::custom(format!("expected host=ip:port, got {item:?}")))
            })
            .collect::<Result<_, _>>()?,
    };
    pairs
        .into_iter()
        .map(|(host, addr)| {
            let parsed = addr.parse::<SocketAddr>().map_err(|_| {
                serde::de::Error::custom(format!("{host}: expected an ip:port address, got {addr:?}"))
            })?;
            Ok((host, parsed))
        })
        .collect()
}
