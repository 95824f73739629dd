//! Private key files (`--key`, ledger.key, a witness's key): reading never panics, whatever the
//! bytes; a key that is read writes back as PKCS#8 v1 PEM that reads as the same key; an
//! encrypted one is decrypted (with a wrong passphrase) without panicking.
#![no_main]
use kordon::core::keys::{self, PrivateKeyFile};
use libfuzzer_sys::fuzz_target;
use pkcs8::pkcs5::pbes2::Kdf;
use pkcs8::pkcs5::EncryptionScheme;

/// Whether decrypting costs a fuzz iteration little: the file chooses its own PBKDF2 rounds and
/// scrypt cost, and a large one only makes the run slow.
fn cheap(der: &[u8]) -> bool {
    let Ok(info) = pkcs8::EncryptedPrivateKeyInfo::try_from(der) else {
        return true; // refused while parsing, before any key derivation
    };
    match info.encryption_algorithm {
        EncryptionScheme::Pbes2(p) => match p.kdf {
            Kdf::Pbkdf2(k) => k.iteration_count <= 4096,
            Kdf::Scrypt(s) => {
                s.cost_parameter <= 1 << 14 && s.block_size <= 8 && s.parallelization <= 1
            }
            // A KDF the crate knows of later: skip it rather than guess its cost.
            _ => false,
        },
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    match keys::read_private_key(data) {
        Ok(PrivateKeyFile::Plain(k)) => {
            let pem = keys::private_key_pem(&k);
            match keys::read_private_key(pem.as_bytes()) {
                Ok(PrivateKeyFile::Plain(again)) => assert_eq!(again.to_bytes(), k.to_bytes()),
                _ => panic!("a key kordon read does not read back"),
            }
            let der = keys::private_key_der(&k);
            assert_eq!(
                keys::signing_key_from_der(&der).map(|x| x.to_bytes()),
                Ok(k.to_bytes())
            );
        }
        Ok(PrivateKeyFile::Encrypted(der)) => {
            if cheap(&der) {
                let _ = kordon::keyfile::decrypt(std::path::Path::new("fuzz.pem"), &der, b"fuzz");
            }
        }
        Err(e) => {
            // Every refusal says something.
            assert!(!e.to_string().is_empty());
        }
    }
    // The DER reader alone, on the raw bytes.
    let _ = keys::signing_key_from_der(data);
});
