package testsmtp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// parse fills m's Header, Subject, Text and HTML from the raw message, as a mail client would read it, so a
// test can assert on either rendering of a notification without knowing how the mailer encoded it.
func (m *Message) parse(raw []byte) error {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("error reading the header: %w", err)
	}
	m.Header = msg.Header
	m.Subject = msg.Header.Get("Subject")
	if subject, err := new(mime.WordDecoder).DecodeHeader(m.Subject); err == nil {
		m.Subject = subject
	}
	return m.readBody(textproto.MIMEHeader(msg.Header), msg.Body)
}

// readBody puts a text/plain body into Text and a text/html one into HTML after undoing its transfer
// encoding, walking into multipart bodies (alternative, or alternative inside mixed); the first part of
// each type wins, attachments and other types are skipped. A body without Content-Type is text/plain
// (RFC 2045), which keeps what the server did before it read multipart: the whole body is Text.
func (m *Message) readBody(header textproto.MIMEHeader, body io.Reader) error {
	mediaType := "text/plain"
	var params map[string]string
	if ct := header.Get("Content-Type"); ct != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(ct); err != nil {
			return fmt.Errorf("error parsing Content-Type %q: %w", ct, err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		return m.readMultipart(mediaType, params["boundary"], body)
	}
	if disposition, _, _ := mime.ParseMediaType(header.Get("Content-Disposition")); disposition == "attachment" {
		return nil
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	text, err := decode(header.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return fmt.Errorf("error decoding the %s body: %w", mediaType, err)
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = text
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = text
	}
	return nil
}

// readMultipart reads each part of a multipart body in turn.
func (m *Message) readMultipart(mediaType, boundary string, body io.Reader) error {
	if boundary == "" {
		return fmt.Errorf("%s body without a boundary parameter", mediaType)
	}
	mr := multipart.NewReader(body, boundary)
	for {
		// NextRawPart, not NextPart: NextPart decodes quoted-printable itself but not base64, and hides the
		// header that says which one was used.
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("error reading a part of the %s body: %w", mediaType, err)
		}
		if err := m.readBody(part.Header, part); err != nil {
			return err
		}
	}
}

// decode undoes a Content-Transfer-Encoding; 7bit, 8bit, binary and none leave the body as it is.
func decode(encoding string, body io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // it skips the line breaks between lines
	}
	b, err := io.ReadAll(body)
	return string(b), err
}
