package fcm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/push"
)

// errorBody is the error document of Google APIs (google.rpc.Status) as FCM answers it.
type errorBody struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			ErrorCode       string `json:"errorCode"`
			FieldViolations []struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// FCM's error codes (google.firebase.fcm.v1.FcmError errorCode) that decide a Result.
const (
	codeUnregistered     = "UNREGISTERED"
	codeSenderIDMismatch = "SENDER_ID_MISMATCH"
	codeThirdPartyAuth   = "THIRD_PARTY_AUTH_ERROR"
)

// errAccessTokenRefused marks a 401 that refuses the server's access token itself (not APNs' or a web
// push service's credentials behind FCM, THIRD_PARTY_AUTH_ERROR): the sender forgets the token, and the
// message is retried with a new one rather than given up.
var errAccessTokenRefused = errors.New("FCM refused the access token")

// maxMessageInError bounds how much of FCM's message an error repeats.
const maxMessageInError = 200

// fcmErrorCode returns the errorCode of the FcmError detail, or "".
func (b errorBody) fcmErrorCode() string {
	for _, d := range b.Error.Details {
		if strings.HasSuffix(d.Type, "google.firebase.fcm.v1.FcmError") {
			return d.ErrorCode
		}
	}
	return ""
}

// aboutToken reports whether a 400 INVALID_ARGUMENT refuses the registration token rather than the
// payload. FCM names the invalid field in a google.rpc.BadRequest detail when the payload is wrong
// ("message.data[0].value"); an invalid token comes either as a violation of "message.token" or with no
// field at all and a message about the registration token. A payload error must not deactivate a device
// whose token is fine, so anything else counts as the payload's.
func (b errorBody) aboutToken() bool {
	sawField := false
	for _, d := range b.Error.Details {
		for _, v := range d.FieldViolations {
			if v.Field == "message.token" {
				return true
			}
			sawField = true
		}
	}
	return !sawField && strings.Contains(strings.ToLower(b.Error.Message), "registration token")
}

// answerResult maps FCM's answer to a non-2xx send to a Result. body is what FCM answered (possibly
// empty or not JSON); token is cut out of anything repeated from it.
func answerResult(m push.Message, resp *http.Response, body []byte, now time.Time) push.Result {
	var eb errorBody
	_ = json.Unmarshal(body, &eb) // an unreadable body leaves the status code to decide
	code := resp.StatusCode
	fcmCode := eb.fcmErrorCode()
	answered, said := describe(code, eb.Error.Status, fcmCode), redact(eb.Error.Message, m.Token)
	fail := func(what string) error {
		return fmt.Errorf("fcm: device %d: %s (%s): %s", m.DeviceID, what, answered, said)
	}

	switch {
	case code == http.StatusNotFound && fcmCode == codeUnregistered:
		return push.Result{Err: fail("the token is no longer registered"), Dead: true}
	case code == http.StatusBadRequest && eb.aboutToken():
		return push.Result{Err: fail("the token is not a valid registration token"), Dead: true}
	case code == http.StatusForbidden && fcmCode == codeSenderIDMismatch:
		return push.Result{Err: fail("the token belongs to another sender"), Dead: true}
	case code == http.StatusTooManyRequests:
		return push.Result{Err: fail("over FCM's quota"), RetryAfter: retryAfter(resp.Header, now)}
	case code >= 500:
		return push.Result{Err: fail("FCM failed"), RetryAfter: retryAfter(resp.Header, now)}
	case code == http.StatusUnauthorized && fcmCode != codeThirdPartyAuth:
		return push.Result{Err: fmt.Errorf("fcm: device %d: %w (%s): %s", m.DeviceID, errAccessTokenRefused, answered, said)}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return push.Result{Err: fail("FCM refused the server's credentials"), Permanent: true}
	default:
		return push.Result{Err: fail("FCM refused the message"), Permanent: true}
	}
}

// describe says what FCM answered: "404 NOT_FOUND, UNREGISTERED".
func describe(code int, status, fcmCode string) string {
	parts := []string{fmt.Sprint(code)}
	if status != "" {
		parts[0] += " " + status
	}
	if fcmCode != "" && fcmCode != status {
		parts = append(parts, fcmCode)
	}
	return strings.Join(parts, ", ")
}

// redact returns FCM's message, shortened, with the device's token (a credential) cut out.
func redact(msg, token string) string {
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "<token>")
	}
	if len(msg) > maxMessageInError {
		msg = msg[:maxMessageInError] + "..."
	}
	if msg == "" {
		return "no message"
	}
	return msg
}
