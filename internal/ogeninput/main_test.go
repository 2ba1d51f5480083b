package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"
)

func TestDropsOnlyThePartContentTypesOgenCannotGenerate(t *testing.T) {
	t.Parallel()
	const spec = `
paths:
  /documents:
    post:
      requestBody:
        content:
          multipart/form-data:
            schema:
              $ref: "#/components/schemas/Upload"
            encoding:
              file:
                contentType: application/pdf, image/png
                headers:
                  X-Note:
                    schema:
                      type: string
              meta:
                contentType: application/json
              title:
                style: form
      responses:
        "201":
          description: contentType is only a word here
`
	var out bytes.Buffer
	require.NoError(t, run(strings.NewReader(spec), &out))

	var got, want any
	require.NoError(t, yaml.Unmarshal(out.Bytes(), &got))
	require.NoError(t, yaml.Unmarshal([]byte(strings.Replace(spec, "                contentType: application/pdf, image/png\n", "", 1)), &want))
	require.Equal(t, want, got, "the file part's contentType is gone, and nothing else")
}

func TestRefusesWhatIsNotYAML(t *testing.T) {
	t.Parallel()
	require.Error(t, run(strings.NewReader("paths: [unclosed"), &bytes.Buffer{}))
}
