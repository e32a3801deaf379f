//! The unlocked-key file: where `linli-field login` and `unlock` leave the store's key so that
//! later commands need not ask for the password, until `lock`, `logout` or a reboot.
//!
//! It lives in `$XDG_RUNTIME_DIR/linli-field/` (on most Linux systems a per-user tmpfs that
//! only the user can enter and that is emptied at logout or reboot), or without that variable
//! in `/tmp/linli-field-<uid>/`. The directory is made mode 0700 and must be the user's own
//! and not a symlink; the file is mode 0600, named after a hash of the store's absolute path,
//! and holds the 32-byte key in hex. Anyone who can read it (the user, root) can read the
//! store while it is there: that is the price of not typing the password for every command.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::crypto::{StoreKey, KEY_LEN};
use crate::error::FieldError;

/// The unlocked-key file of one store.
#[derive(Clone, Debug)]
pub struct UnlockedKey {
    path: PathBuf,
}

impl UnlockedKey {
    /// The file for the store at `store`: in `$XDG_RUNTIME_DIR/linli-field/`, or in
    /// `/tmp/linli-field-<uid>/` when that variable is unset or empty.
    pub fn for_store(store: &Path) -> Result<Self, FieldError> {
        let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
            Some(runtime) => PathBuf::from(runtime).join("linli-field"),
            None => PathBuf::from(format!("/tmp/linli-field-{}", uid())),
        };
        Self::in_dir(&dir, store)
    }

    /// The file for the store at `store` in the directory `dir` (made 0700 when written).
    pub fn in_dir(dir: &Path, store: &Path) -> Result<Self, FieldError> {
        let absolute = absolute(store)?;
        let digest = Sha256::digest(absolute.as_os_str().as_encoded_bytes());
        let name = format!("{}.key", hex::encode(&digest[..16]));
        Ok(Self {
            path: dir.join(name),
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key, if the file is there. Refuses a file or directory that others could read or
    /// that is not the user's.
    pub fn read(&self) -> Result<Option<StoreKey>, FieldError> {
        let meta = match std::fs::symlink_metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        self.check_dir()?;
        if !meta.is_file() || meta.uid() != uid() || meta.mode() & 0o077 != 0 {
            return Err(FieldError::KeyFile(format!(
                "{} is not a private file of yours (mode 0600): remove it and run `linli-field unlock`",
                self.path.display()
            )));
        }
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(&self.path)?);
        let mut bytes = zeroize::Zeroizing::new([0u8; KEY_LEN]);
        hex::decode_to_slice(text.trim(), &mut bytes[..]).map_err(|_| {
            FieldError::KeyFile(format!(
                "{} is damaged: run `linli-field unlock`",
                self.path.display()
            ))
        })?;
        Ok(Some(StoreKey::from_bytes(*bytes)))
    }

    /// Writes the key (mode 0600, replacing any earlier file at once).
    pub fn write(&self, key: &StoreKey) -> Result<(), FieldError> {
        let dir = self.dir();
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The runtime directory itself is missing: make it, private too.
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .recursive(true)
                    .create(dir)?;
            }
            Err(e) => return Err(e.into()),
        }
        self.check_dir()?;
        let temp = dir.join(format!(".{:016x}.tmp", rand::random::<u64>()));
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temp)?;
            let text = zeroize::Zeroizing::new(format!("{}\n", hex::encode(key.as_bytes())));
            file.write_all(text.as_bytes())?;
            std::fs::rename(&temp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        Ok(written?)
    }

    /// Deletes the file; false when there was none.
    pub fn remove(&self) -> Result<bool, FieldError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The directory must be a real directory (not a symlink), the user's, mode 0700: in
    /// `/tmp` anyone could have made it first.
    fn check_dir(&self) -> Result<(), FieldError> {
        let dir = self.dir();
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() || meta.uid() != uid() || meta.permissions().mode() & 0o077 != 0 {
            return Err(FieldError::KeyFile(format!(
                "{} is not a private directory of yours (mode 0700): remove it, or set XDG_RUNTIME_DIR",
                dir.display()
            )));
        }
        Ok(())
    }
}

/// The effective user id.
fn uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The store's absolute path, symlinks resolved (the store may not exist yet).
fn absolute(store: &Path) -> Result<PathBuf, FieldError> {
    if let Ok(path) = std::fs::canonicalize(store) {
        return Ok(path);
    }
    let parent = store
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (std::fs::canonicalize(parent), store.file_name()) {
        (Ok(dir), Some(name)) => Ok(dir.join(name)),
        _ => Ok(std::path::absolute(store)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_private_read_back_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("phone.sqlite3");
        std::fs::write(&store, b"").unwrap();
        let dir = tmp.path().join("runtime/linli-field");
        let file = UnlockedKey::in_dir(&dir, &store).unwrap();
        assert!(file.read().unwrap().is_none());
        let key = StoreKey::from_bytes([9; KEY_LEN]);
        file.write(&key).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(file.path()), 0o600);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(file.read().unwrap().unwrap().as_bytes(), key.as_bytes());
        // The same store named another way finds the same file.
        let other_name = tmp.path().join("runtime/../phone.sqlite3");
        let again = UnlockedKey::in_dir(&dir, &other_name).unwrap();
        assert_eq!(again.path(), file.path());
        // Another store, another file.
        let other = UnlockedKey::in_dir(&dir, &tmp.path().join("other.sqlite3")).unwrap();
        assert_ne!(other.path(), file.path());

        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(file.read(), Err(FieldError::KeyFile(_))));
        file.write(&key).unwrap();
        assert_eq!(mode(file.path()), 0o600, "rewritten private");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(file.read(), Err(FieldError::KeyFile(_))));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();

        assert!(file.remove().unwrap());
        assert!(!file.remove().unwrap());
        assert!(file.read().unwrap().is_none());
    }
}
