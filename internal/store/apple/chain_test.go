package apple

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// appleRootG3Fingerprint is Apple Root CA - G3's SHA-256 fingerprint as Apple publishes it on
// https://www.apple.com/certificateauthority/.
const appleRootG3Fingerprint = "63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79"

func TestPinnedRoot(t *testing.T) {
	t.Parallel()

	t.Run("IsAppleRootCAG3", func(t *testing.T) {
		t.Parallel()
		sum := sha256.Sum256(appleRootG3)
		got := strings.ToUpper(hex.EncodeToString(sum[:]))
		require.Equal(t, strings.ReplaceAll(appleRootG3Fingerprint, ":", ""), got, "SHA-256 of the embedded root")

		pool, err := appleRoots()
		require.NoError(t, err)
		root := readCert(t, "AppleRootCA-G3.cer")
		require.Equal(t, "Apple Root CA - G3", root.Subject.CommonName)
		require.True(t, pool.Equal(poolOf(root)), "the pinned pool holds exactly the embedded root")
	})
}

// TestVerifyChainGolden runs the chain check on Apple's real certificates: Apple Root CA - G3, the
// Worldwide Developer Relations G6 intermediate, and the 2021 App Store receipt-signing leaf (valid from
// 2021-08-25 to 2023-09-24).
func TestVerifyChainGolden(t *testing.T) {
	t.Parallel()

	certs := []*x509.Certificate{
		readCert(t, "apple-receipt-signing-2021.cer"),
		readCert(t, "AppleWWDRCAG6.cer"),
		readCert(t, "AppleRootCA-G3.cer"),
	}
	roots, err := appleRoots()
	require.NoError(t, err)
	whileValid := time.Unix(1681312846, 0) // 2023-04-12, when such a leaf signed transactions

	t.Run("VerifiesWhileTheLeafWasValid", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, verifyChain(certs, roots, whileValid))
	})

	t.Run("RefusesAfterTheLeafExpired", func(t *testing.T) {
		t.Parallel()
		err := verifyChain(certs, roots, time.Date(2023, 9, 25, 0, 0, 0, 0, time.UTC))
		require.ErrorIs(t, err, ErrChain)
	})

	t.Run("RefusesBeforeTheLeafWasIssued", func(t *testing.T) {
		t.Parallel()
		err := verifyChain(certs, roots, time.Date(2021, 8, 24, 0, 0, 0, 0, time.UTC))
		require.ErrorIs(t, err, ErrChain)
	})

	t.Run("RefusesTheCertificatesOutOfOrder", func(t *testing.T) {
		t.Parallel()
		err := verifyChain([]*x509.Certificate{certs[1], certs[0], certs[2]}, roots, whileValid)
		require.ErrorIs(t, err, ErrChain)
	})

	t.Run("RefusesAgainstAnotherRoot", func(t *testing.T) {
		t.Parallel()
		err := verifyChain(certs, newTestPKI(t, pkiOpts{}).roots, whileValid)
		require.ErrorIs(t, err, ErrChain)
	})

	t.Run("RefusesTheIntermediateAsLeaf", func(t *testing.T) {
		t.Parallel()
		// The intermediate chains to the root directly, so it cannot pass for a leaf with an intermediate.
		err := verifyChain([]*x509.Certificate{certs[1], certs[2], certs[2]}, roots, whileValid)
		require.ErrorIs(t, err, ErrChain)
	})
}

// readCert parses a DER certificate from testdata.
func readCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	der, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err, name)
	return cert
}

// poolOf is a pool holding certs.
func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool
}
