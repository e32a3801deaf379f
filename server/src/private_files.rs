//! Files and directories only the server's user may read: the data directory, the SQLite
//! database and its journal, the JWT secret, TLS keys and backups all hold secrets or
//! residents' records.

use std::path::Path;

/// Creates `dir` if needed and makes it readable by its owner only (0700).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes an existing file readable and writable by its owner only (0600).
pub fn restrict(path: &Path) -> std::io::Result<()> {
    set_mode(path, 0o600)
}

/// Creates an empty file readable and writable by its owner only; fails if it exists.
pub fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(|_| ())
}

/// Writes a new file readable by its owner only, durably; fails if it exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    create_private(path)?;
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn made_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        super::private_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        let file = data.join("secret");
        super::write_private(&file, b"x").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(
            super::write_private(&file, b"y").is_err(),
            "never overwrites"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::restrict(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
    }
}
