// Package apple verifies the data the App Store signs for Homekeep's subscriptions (issue 15), fully
// offline: a StoreKit 2 signed transaction that the app sends after a purchase, and the signedPayload of an
// App Store Server Notification V2 that Apple posts to the server, with the signed transaction and renewal
// info it carries. It holds no state, reads no environment and makes no network call.
//
// Each piece is a JWS (compact serialization) signed with ES256 by a leaf certificate whose chain (leaf,
// intermediate, root) rides in the header's x5c. A Verifier accepts a token only when:
//
//   - its header's alg is ES256 (never none, HS256 or anything else) and it has no crit parameter;
//   - x5c holds exactly three certificates, and the leaf and intermediate chain up to the Apple Root CA - G3
//     pinned in this package (AppleRootCA-G3.cer, embedded), never to a root the token brings: the third
//     certificate must be that same root;
//   - the leaf carries Apple's marker extension 1.2.840.113635.100.6.11.1 and the intermediate
//     1.2.840.113635.100.6.2.1;
//   - every certificate was valid at the payload's signedDate, which is how Apple's own libraries check a
//     token signed by a certificate that has expired since (the price: whoever stole a leaf key could
//     backdate signedDate; Apple revokes such keys, which this offline check cannot see);
//   - the signature is ES256's raw 64-byte r||s over the first two parts (an ASN.1 DER signature is refused);
//   - the payload names the configured bundle id, an accepted environment (Production; Sandbox when
//     Options.AllowSandbox; never Xcode or LocalTesting) and, for a production notification, the configured
//     App Apple ID.
//
// A failure wraps one of the Err sentinels (errors.Is) and names the check; no error repeats the token.
// Entitlement turns a verified notification into the Change the subscription service applies.
package apple
