package deploy

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
