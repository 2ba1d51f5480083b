package apple

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"
)

// Apple's marker extensions. Apple Root CA - G3 issues many intermediates and leaves; only these two mark
// the ones that sign App Store data, so a certificate Apple issued for something else (a developer's own
// WWDR-issued certificate, say) cannot sign a transaction.
var (
	// oidLeafMarker marks the App Store signing leaf ("Mac App Store and iTunes Store Receipt Signing").
	oidLeafMarker = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 11, 1}
	// oidIntermediateMarker marks the Apple Worldwide Developer Relations intermediate.
	oidIntermediateMarker = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 2, 1}
)

// verifyChain checks certs (leaf, intermediate, root, as the x5c header lists them) at time at: the leaf
// is issued by the intermediate, the intermediate by a root in roots, every certificate is valid at at, and
// the leaf and intermediate carry Apple's marker extensions. The chain is built from roots, never from
// certs[2]: the token's own root only has to be the one roots chose, byte for byte.
func verifyChain(certs []*x509.Certificate, roots *x509.CertPool, at time.Time) error {
	if len(certs) != 3 {
		return fmt.Errorf("%w: %d certificates, want 3 (leaf, intermediate, root)", ErrChain, len(certs))
	}
	leaf, intermediate, root := certs[0], certs[1], certs[2]
	intermediates := x509.NewCertPool()
	intermediates.AddCert(intermediate)
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		// Apple's leaf has no extended key usage; ExtKeyUsageAny keeps Verify from asking for ServerAuth.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("%w: at signedDate %s: %w", ErrChain, at.UTC().Format(time.RFC3339), err)
	}
	throughIntermediate := slices.ContainsFunc(chains, func(c []*x509.Certificate) bool {
		return len(c) == 3 && c[1].Equal(intermediate)
	})
	if !throughIntermediate {
		return fmt.Errorf("%w: the leaf does not chain through the header's intermediate", ErrChain)
	}
	toHeaderRoot := slices.ContainsFunc(chains, func(c []*x509.Certificate) bool {
		return len(c) == 3 && c[1].Equal(intermediate) && c[2].Equal(root)
	})
	if !toHeaderRoot {
		return fmt.Errorf("%w: the header's third certificate is not the pinned root", ErrChain)
	}
	if !hasExtension(leaf, oidLeafMarker) {
		return fmt.Errorf("%w: the leaf certificate lacks %s", ErrMarker, oidLeafMarker)
	}
	if !hasExtension(intermediate, oidIntermediateMarker) {
		return fmt.Errorf("%w: the intermediate certificate lacks %s", ErrMarker, oidIntermediateMarker)
	}
	return nil
}

// hasExtension reports whether cert carries the extension oid, whatever its value.
func hasExtension(cert *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	return slices.ContainsFunc(cert.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oid) })
}
