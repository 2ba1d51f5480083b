package apple

import "errors"

// The checks a token can fail, so that a caller can tell them apart with errors.Is (to count them, or to
// answer Apple differently) without reading messages. Every error of VerifyTransaction and
// VerifyNotification wraps exactly one of them.
var (
	// ErrMalformed means the token is not a three-part JWS of base64url JSON, its header has a crit
	// parameter, or its payload lacks a field every signed payload has (signedDate).
	ErrMalformed = errors.New("apple: malformed signed data")
	// ErrAlgorithm means the header's alg is not ES256. "none" and HMAC algorithms are the classic ways to
	// have a forged token accepted, so nothing but ES256 is.
	ErrAlgorithm = errors.New("apple: signing algorithm is not ES256")
	// ErrChain means the x5c certificates are not three, do not parse, or do not chain up to the pinned
	// Apple root at the payload's signedDate.
	ErrChain = errors.New("apple: certificate chain not trusted")
	// ErrMarker means the leaf or intermediate certificate lacks Apple's marker extension: a certificate
	// Apple issued for another purpose signed the token.
	ErrMarker = errors.New("apple: certificate lacks Apple's marker extension")
	// ErrSignature means the signature is not a valid ES256 r||s signature of the token by the leaf's key:
	// the token was altered, or signed by someone else.
	ErrSignature = errors.New("apple: signature invalid")
	// ErrBundle means the payload is for another app (bundleId), or names none.
	ErrBundle = errors.New("apple: bundle id mismatch")
	// ErrAppAppleID means a production notification is for another App Store app (appAppleId).
	ErrAppAppleID = errors.New("apple: app apple id mismatch")
	// ErrEnvironment means the payload's environment is not accepted: Xcode and LocalTesting (signed by a
	// developer's machine, not by Apple), Sandbox when it is switched off, an unknown value, or a nested
	// payload whose environment differs from its notification's.
	ErrEnvironment = errors.New("apple: environment not accepted")
)
