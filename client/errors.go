package client

// ErrorResponse is what every error answer of the API has in common. An operation returns each status the
// spec declares for it as its own result type, one per status and shared by every operation
// (*BadRequestHeaders, *UnauthorizedHeaders, *NotFoundHeaders, *TooManyRequestsHeaders, …), so a type switch
// on the result tells the statuses apart; ErrorResponse reads any of them without naming its status.
type ErrorResponse interface {
	// GetResponse returns the body: a stable code, a message for people, and the fields at fault.
	GetResponse() APIError
	// GetXRequestID returns the X-Request-Id of the request, which the server's log also has.
	GetXRequestID() string
}

var (
	_ ErrorResponse = (*BadRequestHeaders)(nil)
	_ ErrorResponse = (*UnauthorizedHeaders)(nil)
	_ ErrorResponse = (*ForbiddenHeaders)(nil)
	_ ErrorResponse = (*NotFoundHeaders)(nil)
	_ ErrorResponse = (*ConflictHeaders)(nil)
	_ ErrorResponse = (*ContentTooLargeHeaders)(nil)
	_ ErrorResponse = (*UnsupportedMediaTypeHeaders)(nil)
	_ ErrorResponse = (*RangeNotSatisfiableHeaders)(nil)
	_ ErrorResponse = (*TooManyRequestsHeaders)(nil)
	_ ErrorResponse = (*InternalServerErrorHeaders)(nil)
	_ ErrorResponse = (*ServiceUnavailableHeaders)(nil)
)
