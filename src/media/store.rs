//! The one handle every media file is written, read, removed and addressed through: the local
//! disk under `data_dir/media` today, so that object storage and remote-media copies plug in here.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// What a file is, and so where it lives and is served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// Status attachments (original and preview), served from `/system/media/`.
    Attachments,
    /// Members' avatars and headers, served from `/system/profiles/`.
    Profiles,
}

impl Collection {
    /// The folder under the store's root (the layout every instance already has on disk).
    fn folder(self) -> &'static str {
        match self {
            Collection::Attachments => "",
            Collection::Profiles => "profiles",
        }
    }

    /// The path files of this collection are served from.
    fn served_from(self) -> &'static str {
        match self {
            Collection::Attachments => "/system/media",
            Collection::Profiles => "/system/profiles",
        }
    }
}

/// Media files on the local disk.
#[derive(Debug, Clone)]
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    /// The store under `data_dir` (`data_dir/media`).
    pub fn local(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("media"),
        }
    }

    fn path(&self, collection: Collection, name: &str) -> PathBuf {
        self.root.join(collection.folder()).join(name)
    }

    /// Stores a file. `name` is one the media code made (never a client's or a remote's).
    pub async fn put(&self, collection: Collection, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let folder = self.root.join(collection.folder());
        tokio::fs::create_dir_all(&folder)
            .await
            .with_context(|| format!("creating {}", folder.display()))?;
        let path = folder.join(name);
        tokio::fs::write(&path, bytes)
            .await
            .with_context(|| format!("writing {}", path.display()))
    }

    /// A stored file's bytes; `None` when there is no such file.
    pub async fn get(&self, collection: Collection, name: &str) -> std::io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(collection, name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Removes files (missing ones are fine: removal is retried by whoever removes rows).
    pub async fn delete(&self, collection: Collection, names: &[String]) {
        for name in names {
            if let Err(error) = tokio::fs::remove_file(self.path(collection, name)).await
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%error, name, "a media file could not be removed");
            }
        }
    }

    /// The public address of a stored file.
    pub fn url(base_url: &str, collection: Collection, name: &str) -> String {
        format!("{base_url}{}/{name}", collection.served_from())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_put_read_back_and_removed_in_their_collection() {
        let dir = std::env::temp_dir().join(format!("ferrodon-store-{}", std::process::id()));
        let store = MediaStore::local(&dir);
        store
            .put(Collection::Profiles, "1-a.png", b"avatar")
            .await
            .unwrap();
        store
            .put(Collection::Attachments, "1-a.png", b"photo")
            .await
            .unwrap();
        assert_eq!(
            store
                .get(Collection::Profiles, "1-a.png")
                .await
                .unwrap()
                .as_deref(),
            Some(&b"avatar"[..])
        );
        assert!(
            dir.join("media/profiles/1-a.png").exists(),
            "the layout on disk is kept"
        );
        assert!(dir.join("media/1-a.png").exists());
        store
            .delete(Collection::Profiles, &["1-a.png".into(), "gone.png".into()])
            .await;
        assert_eq!(store.get(Collection::Profiles, "1-a.png").await.unwrap(), None);
        assert!(
            store
                .get(Collection::Attachments, "1-a.png")
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            MediaStore::url("https://x.test", Collection::Profiles, "1-a.png"),
            "https://x.test/system/profiles/1-a.png"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
