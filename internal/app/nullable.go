package app

import (
	"time"

	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Conversions between sqlc's pointers (NULL = nil) and ogen's Nil/OptNil wrappers.

func nilInt64(p *int64) oas.NilInt64 {
	if p == nil {
		return oas.NilInt64{Null: true}
	}
	return oas.NewNilInt64(*p)
}

func nilInt32(p *int32) oas.NilInt32 {
	if p == nil {
		return oas.NilInt32{Null: true}
	}
	return oas.NewNilInt32(*p)
}

func nilFloat64(p *float64) oas.NilFloat64 {
	if p == nil {
		return oas.NilFloat64{Null: true}
	}
	return oas.NewNilFloat64(*p)
}

func nilDate(p *time.Time) oas.NilDate {
	if p == nil {
		return oas.NilDate{Null: true}
	}
	return oas.NewNilDate(*p)
}

// patchField reads an optional, nullable request field: set reports whether it was sent, and the pointer is
// nil when it was sent as null.
func patchField[T any](v T, isSet, isNull bool) (set bool, p *T) {
	if !isSet {
		return false, nil
	}
	if isNull {
		return true, nil
	}
	return true, &v
}

// ptrIf returns &v when ok.
func ptrIf[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

func nilString(p *string) oas.NilString {
	if p == nil {
		return oas.NilString{Null: true}
	}
	return oas.NewNilString(*p)
}

func nilDateTime(p *time.Time) oas.NilDateTime {
	if p == nil {
		return oas.NilDateTime{Null: true}
	}
	return oas.NewNilDateTime(*p)
}
