"""AES-256 in CFB mode (full 128-bit feedback, RFC 4880's), decryption only.

The public API of cryptography (Cipher(AES, CFB)) loads its whole OpenSSL
backend on first use, x509 and all: 35-40 ms of a cold start whose budget is
30 ms (docs/benchmarks.md). The same OpenSSL EVP functions reached through
cryptography's compiled cffi module cost about 2 ms to import. decrypt()
uses them when that module has them (cryptography up to at least 41), and
the public API otherwise; the suite checks both give the same bytes.
"""


def _evp():
    try:
        from cryptography.hazmat.bindings._openssl import ffi, lib
    except ImportError:
        return None
    need = ("EVP_CIPHER_CTX_new", "EVP_CIPHER_CTX_free", "EVP_get_cipherbyname",
            "EVP_CipherInit_ex", "EVP_CipherUpdate", "EVP_CipherFinal_ex")
    if not all(hasattr(lib, n) for n in need):
        return None
    cipher = lib.EVP_get_cipherbyname(b"aes-256-cfb")
    if cipher == ffi.NULL:
        return None
    return ffi, lib, cipher


def decrypt_evp(key, iv, data):
    """AES-256-CFB through the EVP functions; None when they are not there."""
    evp = _evp()
    if evp is None:
        return None
    ffi, lib, cipher = evp
    ctx = lib.EVP_CIPHER_CTX_new()
    if ctx == ffi.NULL:
        return None
    try:
        if lib.EVP_CipherInit_ex(ctx, cipher, ffi.NULL, bytes(key), bytes(iv), 0) != 1:
            return None
        out = ffi.new("unsigned char[]", len(data) + 16)
        n = ffi.new("int *")
        if lib.EVP_CipherUpdate(ctx, out, n, ffi.from_buffer(data), len(data)) != 1:
            return None
        total = n[0]
        if lib.EVP_CipherFinal_ex(ctx, out + total, n) != 1:
            return None
        total += n[0]
        return ffi.buffer(out, total)[:]
    finally:
        lib.EVP_CIPHER_CTX_free(ctx)


def decrypt_public(key, iv, data):
    """AES-256-CFB through cryptography's public API."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    d = Cipher(algorithms.AES(bytes(key)), modes.CFB(bytes(iv))).decryptor()
    return d.update(bytes(data)) + d.finalize()


def decrypt(key, iv, data):
    """AES-256-CFB decryption of data (bytes-like) under key (32 bytes)."""
    if len(key) != 32:
        raise ValueError("AES-256 needs a 32-byte key")
    out = decrypt_evp(key, iv, data)
    return out if out is not None and len(out) == len(data) else decrypt_public(key, iv, data)
