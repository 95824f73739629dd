//! Private key files on disk: reading them (plain or passphrase-encrypted PKCS#8, with a
//! warning when others can read them) and writing them (PKCS#8 v1, mode 0600, optionally
//! encrypted). The layouts themselves are `core::keys`; this module adds the file, the
//! passphrase and the permissions.
//!
//! A passphrase comes, in this order, from `--passphrase-file FILE` (or `KORDON_PASSPHRASE_FILE`,
//! e.g. a systemd credential), the `KORDON_PASSPHRASE` environment variable (for services), or
//! a prompt on the terminal; with none of these an encrypted key is refused with a sentence
//! that says how to give one.

use crate::core::keys::{self, PrivateKeyError, PrivateKeyFile};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The environment variable holding a passphrase (for services that cannot be asked).
pub const PASSPHRASE_ENV: &str = "KORDON_PASSPHRASE";
/// The environment variable naming a file whose first line is the passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "KORDON_PASSPHRASE_FILE";

/// A private key file is a few hundred bytes; a larger file is the wrong file.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// PBKDF2-HMAC-SHA256 iterations for the keys kordon encrypts (OWASP's 2023 figure; OpenSSL
/// and every PKCS#8 reader take the count from the file).
const PBKDF2_ITERATIONS: u32 = 600_000;

/// The most PBKDF2 rounds a key file may ask for: the file names its own cost, and reading it
/// must not take minutes (about 5 s on one core; OpenSSL writes 2,048 by default, kordon 600,000).
pub const MAX_PBKDF2_ITERATIONS: u32 = 5_000_000;

/// The most memory a key file's scrypt parameters may ask for (128 · r · N bytes).
pub const MAX_SCRYPT_BYTES: u64 = 256 * 1024 * 1024;

/// Where passphrases come from.
#[derive(Debug, Clone, Default)]
pub struct Passphrase {
    /// `--passphrase-file`: its first line is the passphrase.
    pub file: Option<PathBuf>,
}

static CONFIGURED: OnceLock<Passphrase> = OnceLock::new();

/// Sets where this process reads passphrases from (the command line does, once, from its
/// global flags). Without it, only the environment and the terminal are asked.
pub fn configure(p: Passphrase) {
    let _ = CONFIGURED.set(p);
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {msg}")]
    Io { path: PathBuf, msg: String },
    #[error("{path}: {err}")]
    Key { path: PathBuf, err: PrivateKeyError },
    #[error("{path}: this key is encrypted; give its passphrase with --passphrase-file FILE or {PASSPHRASE_ENV} (there is no terminal to ask on)")]
    NoPassphrase { path: PathBuf },
    #[error("{path}: wrong passphrase (or the encrypted key is damaged)")]
    WrongPassphrase { path: PathBuf },
    #[error("{path}: the encrypted key uses {msg}; kordon reads PBES2 with PBKDF2 or scrypt and AES-CBC (`openssl genpkey -aes-256-cbc`)")]
    Scheme { path: PathBuf, msg: String },
    #[error("{path}: the encrypted key asks for {cost}, more than kordon spends on reading a key ({limit}); encrypt it again with `kordon key new` or `openssl pkcs8 -topk8 -v2 aes-256-cbc`")]
    Costly {
        path: PathBuf,
        cost: String,
        limit: String,
    },
    #[error("{0}")]
    Passphrase(String),
}

/// Refuses key-derivation parameters that would make reading a key file take minutes or
/// gigabytes: the file chooses them, so a damaged or hostile one must not.
fn check_cost(
    path: &Path,
    scheme: &pkcs8::pkcs5::EncryptionScheme<'_>,
) -> Result<(), KeyFileError> {
    use pkcs8::pkcs5::{pbes2::Kdf, EncryptionScheme};
    let costly = |cost: String, limit: String| KeyFileError::Costly {
        path: path.to_path_buf(),
        cost,
        limit,
    };
    let EncryptionScheme::Pbes2(params) = scheme else {
        return Ok(()); // PBES1: refused by the decryption as a scheme kordon does not read
    };
    match &params.kdf {
        Kdf::Pbkdf2(k) if k.iteration_count > MAX_PBKDF2_ITERATIONS => Err(costly(
            format!("{} PBKDF2 rounds", k.iteration_count),
            format!("at most {MAX_PBKDF2_ITERATIONS}"),
        )),
        Kdf::Scrypt(s) => {
            let bytes = 128u64
                .saturating_mul(u64::from(s.block_size))
                .saturating_mul(s.cost_parameter);
            if bytes > MAX_SCRYPT_BYTES || s.parallelization > 16 {
                Err(costly(
                    format!(
                        "scrypt with N = {}, r = {}, p = {}",
                        s.cost_parameter, s.block_size, s.parallelization
                    ),
                    format!("at most {} MiB and p ≤ 16", MAX_SCRYPT_BYTES >> 20),
                ))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> KeyFileError {
    KeyFileError::Io {
        path: path.to_path_buf(),
        msg: e.to_string(),
    }
}

/// Reads an Ed25519 private key file, asking for its passphrase if it is encrypted, and
/// warns (once, on stderr) when the file is readable by others than its owner.
pub fn read(path: &Path) -> Result<SigningKey, KeyFileError> {
    let bytes = read_capped(path)?;
    warn_if_exposed(path);
    match keys::read_private_key(&bytes) {
        Ok(PrivateKeyFile::Plain(k)) => Ok(k),
        Ok(PrivateKeyFile::Encrypted(der)) => {
            let pass = passphrase_for(path, false)?;
            decrypt(path, &der, pass.as_bytes())
        }
        Err(err) => Err(KeyFileError::Key {
            path: path.to_path_buf(),
            err,
        }),
    }
}

/// Decrypts a PKCS#8 `EncryptedPrivateKeyInfo` (DER) with `passphrase`.
pub fn decrypt(path: &Path, der: &[u8], passphrase: &[u8]) -> Result<SigningKey, KeyFileError> {
    use pkcs8::EncryptedPrivateKeyInfo;
    let info = EncryptedPrivateKeyInfo::try_from(der).map_err(|e| KeyFileError::Key {
        path: path.to_path_buf(),
        err: PrivateKeyError::Malformed(format!("not an encrypted PKCS#8 key ({e})")),
    })?;
    check_cost(path, &info.encryption_algorithm)?;
    let plain = info.decrypt(passphrase).map_err(|e| match e {
        // The scheme is one the pkcs5 crate does not implement (PBES1, DES, …).
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::AlgorithmParametersInvalid {
            ..
        })
        | pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm { .. }) => {
            KeyFileError::Scheme {
                path: path.to_path_buf(),
                msg: e.to_string(),
            }
        }
        _ => KeyFileError::WrongPassphrase {
            path: path.to_path_buf(),
        },
    })?;
    keys::signing_key_from_der(plain.as_bytes()).map_err(|err| match err {
        // A wrong passphrase can still yield valid padding (1 in 256): the result is noise.
        PrivateKeyError::Malformed(_) => KeyFileError::WrongPassphrase {
            path: path.to_path_buf(),
        },
        err => KeyFileError::Key {
            path: path.to_path_buf(),
            err,
        },
    })
}

/// Writes a new private key file (PKCS#8 v1 PEM, mode 0600, never over an existing file),
/// encrypted under `passphrase` if one is given (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC, the
/// scheme `openssl genpkey -aes-256-cbc` uses).
pub fn write(
    path: &Path,
    key: &SigningKey,
    passphrase: Option<&[u8]>,
) -> Result<(), crate::datadir::DataDirError> {
    let pem = match passphrase {
        None => Zeroizing::new(keys::private_key_pem(key)),
        Some(pass) => Zeroizing::new(encrypted_pem(key, pass)),
    };
    crate::datadir::write_private(path, &pem)
}

/// The encrypted PKCS#8 PEM of a key.
pub fn encrypted_pem(key: &SigningKey, passphrase: &[u8]) -> String {
    use rand_core::RngCore;
    let der = Zeroizing::new(keys::private_key_der(key));
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut salt);
    rand_core::OsRng.fill_bytes(&mut iv);
    let info = match pkcs8::PrivateKeyInfo::try_from(der.as_slice()) {
        Ok(i) => i,
        Err(e) => unreachable!("kordon's own PKCS#8 encoding does not parse: {e}"),
    };
    let params = match pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(
        PBKDF2_ITERATIONS,
        &salt,
        &iv,
    ) {
        Ok(p) => p,
        Err(e) => unreachable!("fixed PBES2 parameters are invalid: {e}"),
    };
    match info.encrypt_with_params(params, passphrase) {
        Ok(doc) => keys::pem(keys::ENCRYPTED_PEM_LABEL, doc.as_bytes()),
        Err(e) => unreachable!("AES-256-CBC encryption of a key failed: {e}"),
    }
}

/// The passphrase for `path`: from the configured file, the environment, or the terminal
/// (`confirm`: asked twice, for a new key).
pub fn passphrase_for(path: &Path, confirm: bool) -> Result<Zeroizing<String>, KeyFileError> {
    let file = CONFIGURED
        .get()
        .and_then(|p| p.file.clone())
        .or_else(|| std::env::var_os(PASSPHRASE_FILE_ENV).map(PathBuf::from));
    if let Some(f) = file {
        let bytes = Zeroizing::new(
            read_capped(&f)
                .map_err(|e| KeyFileError::Passphrase(format!("--passphrase-file: {e}")))?,
        );
        let text = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
        let line = text.lines().next().unwrap_or_default();
        if line.is_empty() {
            return Err(KeyFileError::Passphrase(format!(
                "--passphrase-file {}: the first line is empty",
                f.display()
            )));
        }
        return Ok(Zeroizing::new(line.to_string()));
    }
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        if !p.is_empty() {
            return Ok(Zeroizing::new(p));
        }
    }
    let prompt = if confirm {
        format!("passphrase for the new key {}: ", path.display())
    } else {
        format!("passphrase for {}: ", path.display())
    };
    let first = Zeroizing::new(rpassword::prompt_password(&prompt).map_err(|_| {
        KeyFileError::NoPassphrase {
            path: path.to_path_buf(),
        }
    })?);
    if confirm {
        if first.is_empty() {
            return Err(KeyFileError::Passphrase("the passphrase is empty".into()));
        }
        let again = Zeroizing::new(
            rpassword::prompt_password("the same passphrase again: ").map_err(|_| {
                KeyFileError::NoPassphrase {
                    path: path.to_path_buf(),
                }
            })?,
        );
        if *again != *first {
            return Err(KeyFileError::Passphrase(
                "the two passphrases differ; nothing was written".into(),
            ));
        }
    }
    Ok(first)
}

fn read_capped(path: &Path) -> Result<Vec<u8>, KeyFileError> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut bytes = Vec::new();
    f.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(path, e))?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(io(
            path,
            format!("it is larger than {MAX_KEY_FILE} bytes: not a key file"),
        ));
    }
    Ok(bytes)
}

/// Warns once per file when its mode lets the group or others read or write it.
fn warn_if_exposed(path: &Path) {
    #[cfg(unix)]
    {
        use std::collections::HashSet;
        use std::os::unix::fs::PermissionsExt;
        use std::sync::Mutex;
        static WARNED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            return;
        }
        let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
        if warned
            .get_or_insert_with(HashSet::new)
            .insert(path.to_path_buf())
        {
            eprintln!(
                "warning: the private key {} can be read by others (mode {mode:04o}); make it yours alone: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
}
