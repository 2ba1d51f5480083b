package app

import (
	"time"

	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Conversions between sqlc's pointers (NULL = nil) and ogen's Nil/OptNil wrappers.

// NilInt64 is p as a nullable API integer: null when p is nil.
func NilInt64(p *int64) oas.NilInt64 {
	if p == nil {
		return oas.NilInt64{Null: true}
	}
	return oas.NewNilInt64(*p)
}

// NilInt32 is p as a nullable API integer: null when p is nil.
func NilInt32(p *int32) oas.NilInt32 {
	if p == nil {
		return oas.NilInt32{Null: true}
	}
	return oas.NewNilInt32(*p)
}

// NilFloat64 is p as a nullable API number: null when p is nil.
func NilFloat64(p *float64) oas.NilFloat64 {
	if p == nil {
		return oas.NilFloat64{Null: true}
	}
	return oas.NewNilFloat64(*p)
}

// NilDate is p as a nullable API date: null when p is nil.
func NilDate(p *time.Time) oas.NilDate {
	if p == nil {
		return oas.NilDate{Null: true}
	}
	return oas.NewNilDate(*p)
}

// PatchField reads an optional, nullable request field: set reports whether it was sent, and the pointer is
// nil when it was sent as null.
func PatchField[T any](v T, isSet, isNull bool) (set bool, p *T) {
	if !isSet {
		return false, nil
	}
	if isNull {
		return true, nil
	}
	return true, &v
}

// PtrIf returns &v when ok.
func PtrIf[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

// NilString is p as a nullable API string: null when p is nil.
func NilString(p *string) oas.NilString {
	if p == nil {
		return oas.NilString{Null: true}
	}
	return oas.NewNilString(*p)
}

// NilDateTime is p as a nullable API timestamp: null when p is nil.
func NilDateTime(p *time.Time) oas.NilDateTime {
	if p == nil {
		return oas.NilDateTime{Null: true}
	}
	return oas.NewNilDateTime(*p)
}

// OrZero returns *p, or the zero value when p is nil.
func OrZero[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// UTCPtr returns *t in UTC, or nil.
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
