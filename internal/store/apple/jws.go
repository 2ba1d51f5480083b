package apple

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// maxTokenBytes bounds a token before anything in it is decoded. A notification, the largest, nests two
// JWS with three certificates each and stays under 40 KiB; the bound keeps a hostile body from costing
// more than a few decodes of that size.
const maxTokenBytes = 256 << 10

// es256SignatureLen is the length of an ES256 signature in JWS: r and s, 32 bytes each, big-endian
// (RFC 7518 section 3.4). An ASN.1 DER signature (what crypto/ecdsa's SignASN1 makes) is 70 to 72 bytes.
const es256SignatureLen = 64

// b64url decodes JWS parts: base64url without padding (RFC 7515 section 2), with no stray bits.
var b64url = base64.RawURLEncoding.Strict()

// jwsHeader is the part of a JOSE header that Apple sets and this package reads.
type jwsHeader struct {
	Alg  string          `json:"alg"`
	X5c  []string        `json:"x5c"`
	Crit json.RawMessage `json:"crit"`
}

// signedDate is the field every App Store signed payload carries: when Apple signed it, in milliseconds
// since the epoch.
type signedDate struct {
	SignedDate *int64 `json:"signedDate"`
}

// verifyJWS checks token (its header, certificate chain and signature) and decodes its payload into out.
// The chain is checked at the payload's signedDate, so the payload is read before it is trusted; out is
// only filled once every check has passed.
func (v *Verifier) verifyJWS(token string, out any) error {
	if len(token) > maxTokenBytes {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(token), maxTokenBytes)
	}
	if n := strings.Count(token, ".") + 1; n != 3 {
		return fmt.Errorf("%w: %d parts, want 3 (header.payload.signature)", ErrMalformed, n)
	}
	encHeader, rest, _ := strings.Cut(token, ".")
	encPayload, encSig, _ := strings.Cut(rest, ".")

	var header jwsHeader
	if err := decodePart(encHeader, &header); err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if header.Alg != "ES256" {
		return fmt.Errorf("%w: header has alg %s", ErrAlgorithm, clip(header.Alg))
	}
	if header.Crit != nil {
		return fmt.Errorf("%w: header has a crit parameter, which Apple never sets", ErrMalformed)
	}
	var signed signedDate
	if err := decodePart(encPayload, &signed); err != nil {
		return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	if signed.SignedDate == nil || *signed.SignedDate <= 0 {
		return fmt.Errorf("%w: payload has no signedDate", ErrMalformed)
	}
	sig, err := b64url.DecodeString(encSig)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}

	certs, err := parseX5c(header.X5c)
	if err != nil {
		return fmt.Errorf("header x5c: %w", err)
	}
	if err := verifyChain(certs, v.roots, time.UnixMilli(*signed.SignedDate)); err != nil {
		return err
	}
	if err := verifySignature(certs[0], encHeader+"."+encPayload, sig); err != nil {
		return err
	}

	payload, _ := b64url.DecodeString(encPayload) // decoded once already, by decodePart
	if err := json.Unmarshal(payload, out); err != nil {
		return fmt.Errorf("%w: payload: %w", ErrMalformed, redactJSONError(err))
	}
	return nil
}

// decodePart decodes a base64url JSON part of a JWS into out.
func decodePart(enc string, out any) error {
	raw, err := b64url.DecodeString(enc)
	if err != nil {
		return fmt.Errorf("not base64url")
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return redactJSONError(err)
	}
	return nil
}

// parseX5c decodes the header's certificates: exactly three (leaf, intermediate, root), each standard
// base64 of DER (RFC 7515 section 4.1.6).
func parseX5c(x5c []string) ([]*x509.Certificate, error) {
	if len(x5c) != 3 {
		return nil, fmt.Errorf("%w: %d certificates, want 3 (leaf, intermediate, root)", ErrChain, len(x5c))
	}
	certs := make([]*x509.Certificate, len(x5c))
	for i, enc := range x5c {
		der, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d is not base64", ErrChain, i)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrChain, i, err)
		}
	}
	return certs, nil
}

// verifySignature checks sig, a JWS ES256 signature (raw r||s), of signingInput by leaf's P-256 key.
func verifySignature(leaf *x509.Certificate, signingInput string, sig []byte) error {
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return fmt.Errorf("%w: the leaf certificate's key is not an ECDSA P-256 key", ErrSignature)
	}
	if len(sig) != es256SignatureLen {
		return fmt.Errorf("%w: signature is %d bytes, want ES256's %d-byte r||s (ASN.1 DER is refused)",
			ErrSignature, len(sig), es256SignatureLen)
	}
	digest := sha256.Sum256([]byte(signingInput))
	r := new(big.Int).SetBytes(sig[:es256SignatureLen/2])
	s := new(big.Int).SetBytes(sig[es256SignatureLen/2:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return fmt.Errorf("%w: does not match the leaf certificate's key", ErrSignature)
	}
	return nil
}

// redactJSONError keeps the kind of a JSON decoding error and drops the input it may quote.
func redactJSONError(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Errorf("field %s is a JSON %s, want %s", e.Field, e.Value, e.Type)
	default:
		return fmt.Errorf("invalid JSON")
	}
}
