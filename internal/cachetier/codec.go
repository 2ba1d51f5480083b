package cachetier

import (
	"fmt"
	"strconv"
)

// Codec turns a value into the string stored in Valkey and back. In process, values are kept as they are.
type Codec[V any] struct {
	Encode func(V) string
	Decode func(string) (V, error)
}

// String stores strings as they are.
var String = Codec[string]{
	Encode: func(s string) string { return s },
	Decode: func(s string) (string, error) { return s, nil },
}

// Int64 stores an integer in decimal.
var Int64 = Codec[int64]{
	Encode: func(n int64) string { return strconv.FormatInt(n, 10) },
	Decode: func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("error decoding integer: %w", err)
		}
		return n, nil
	},
}
