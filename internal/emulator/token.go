// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// MOC login tokens are JWTs: the sample token in the CAPH docs starts with the header
// {"alg":"RS256","typ":"JWT"}, and moc's test authorizer issues RS256 tokens with the
// standard claims exp, iat, jti and iss plus name ([caph] docs/getting-started.md, [moc]
// pkg/auth/auth_test.go; real-host-expiry.md §2, Inf medium). The emulated cloud agent
// signs them with its CA key, which is ECDSA P-256, hence ES256 (the JOSE algorithm for
// that key; the signature plays no part in expiry). exp is the token's expiry in Unix
// seconds, so a real-host inventory that decodes exp works the same on emulated tokens.

// tokenClaims are the claims of an emulated login token.
type tokenClaims struct {
	Expires  int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	ID       string `json:"jti"`
	Issuer   string `json:"iss"`
	Name     string `json:"name"`
}

// signToken returns a compact ES256 JWT with the claims, signed by key, with a fresh
// random jti.
func signToken(key crypto.Signer, claims tokenClaims) (string, error) {
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("signing a login token: the cloud agent CA key is a %T, not ECDSA", key)
	}
	claims.ID = rand.Text()
	header, err := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, ec, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing a login token: %w", err)
	}
	size := (ec.Curve.Params().BitSize + 7) / 8
	sig := make([]byte, 2*size)
	r.FillBytes(sig[:size])
	s.FillBytes(sig[size:])
	return input + "." + enc.EncodeToString(sig), nil
}
