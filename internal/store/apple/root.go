package apple

import (
	"crypto/x509"
	_ "embed"
	"fmt"
	"sync"
)

// appleRootG3 is Apple Root CA - G3 in DER, as published at https://www.apple.com/certificateauthority/.
// Its SHA-256 fingerprint is 63:34:3A:BF:B8:9A:6A:03:EB:B5:7E:9B:3F:5F:A7:BE:7C:4F:5C:75:6F:30:17:B3:A8:C4:88:C3:65:3E:91:79
// (a test checks it). Pinning it in the binary means neither the token nor the host's trust store decides
// what Homekeep trusts.
//
//go:embed AppleRootCA-G3.cer
var appleRootG3 []byte

// appleRoots parses the pinned root once, the first time a Verifier needs it.
var appleRoots = sync.OnceValues(func() (*x509.CertPool, error) {
	root, err := x509.ParseCertificate(appleRootG3)
	if err != nil {
		return nil, fmt.Errorf("error parsing the embedded Apple Root CA - G3: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return pool, nil
})
