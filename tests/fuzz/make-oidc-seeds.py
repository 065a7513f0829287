"""Seeds of the `oidc` fuzz target: well-formed JWKS, ID token (RS256, signed with a test key),
token / userinfo / discovery / sign-transaction responses, a JWE to the relying party's test key
(RSA-OAEP-256 + A256GCM), a callback URL and a stored pending login. Needs python3-cryptography."""
import base64
import hashlib
import json
import os
import pathlib
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
pki = pathlib.Path(__file__).resolve().parents[1] / "virtual-card" / "pki"
key = serialization.load_der_private_key((pki / "taro-auth.key.der").read_bytes(), None)
pub = key.public_key().public_numbers()


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def seed(name: str, selector: int, body: bytes) -> None:
    (out / name).write_bytes(bytes([selector]) + body)


jwks = json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": uint(pub.n), "e": uint(pub.e)}]}).encode()
header = b64u(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode())
claims = b64u(json.dumps({
    "iss": "https://issuer.example", "aud": "client", "sub": "user", "nonce": "nonce",
    "iat": 1780271990, "exp": 1780272600,
    "at_hash": b64u(hashlib.sha256(b"token").digest()[:16]),
}).encode())
signature = key.sign(f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
id_token = f"{header}.{claims}.{b64u(signature)}"

seed("jwks", 0, jwks)
seed("id-token", 1, jwks + b"\0" + id_token.encode())
seed("token-response", 2, json.dumps({"access_token": "token", "token_type": "Bearer", "id_token": id_token, "expires_in": 300}).encode())
seed("userinfo", 3, json.dumps({"sub": "sub", "name": "番号　花子", "address": "東京都千代田区", "birthdate": "1980-02-17", "gender": "female"}, ensure_ascii=False).encode())
seed("discovery", 4, json.dumps({
    "issuer": "https://issuer.example",
    "authorization_endpoint": "https://issuer.example/auth",
    "token_endpoint": "https://issuer.example/token",
    "userinfo_endpoint": "https://issuer.example/userinfo",
    "jwks_uri": "https://issuer.example/certs",
    "id_token_signing_alg_values_supported": ["RS256", "ES256"],
}).encode())
seed("callback", 5, b"https://rp.example/cb?code=abc&state=xyz&iss=https%3A%2F%2Fissuer.example")
seed("pending-login", 5, json.dumps({
    "state": "xyz", "nonce": "n", "code_verifier": "v" * 43, "issuer": "https://issuer.example",
    "client_id": "client", "redirect_uri": "https://rp.example/cb", "claims": ["name", "address"],
    "sign_transaction_id": None, "created_at": 1780272000, "expires_at": 1780272600,
}).encode())


def jwe(plaintext: bytes) -> str:
    protected = b64u(json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM"}).encode())
    cek = os.urandom(32)
    wrapped = key.public_key().encrypt(cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode())
    return ".".join([protected, b64u(wrapped), b64u(iv), b64u(sealed[:-16]), b64u(sealed[-16:])])


seed("jwe", 6, jwe(b"\x30\x03\x02\x01\x00").encode())
seed("sign-transaction", 7, json.dumps({"id": "6f1c2a64-3b0e-4d4f-9a53-2f8f0d6f4b1e"}).encode())
seed("sign-result", 8, json.dumps({"signature": jwe(b"\x00" * 256), "certificate": jwe((pki / "taro-sign.crt.der").read_bytes())}).encode())
print(f"oidc seeds in {out}")
