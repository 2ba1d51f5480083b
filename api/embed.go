// Package api carries the OpenAPI document the server and the Go client are generated from
// (api/openapi.yaml), embedded at build time, so the binary serves the very contract it implements.
package api

import _ "embed" // for go:embed

// OpenAPIYAML is api/openapi.yaml as it was when the binary was built.
//
//go:embed openapi.yaml
var OpenAPIYAML string
