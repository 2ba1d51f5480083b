// Command ogeninput writes the spec on its standard input as ogen reads it: the same document, without what
// ogen cannot generate yet.
//
// api/openapi.yaml declares the Content-Type of each multipart file part (an Encoding Object's contentType),
// so that generators and readers of the contract know what an upload may carry. ogen refuses any part
// contentType but JSON ("form content encoding is not implemented yet", ogen-go/ogen#1159), and its only
// way around that skips the whole operation. `make generate` and `make check-generated` therefore feed ogen
// the spec through this command, which drops those contentType entries and nothing else; the server still
// accepts any declared type and detects the file's from its bytes, so nothing ogen generates depends on
// them.
package main

import (
	"fmt"
	"io"
	"os"

	yaml "go.yaml.in/yaml/v3"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ogeninput:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	var doc yaml.Node
	if err := yaml.NewDecoder(in).Decode(&doc); err != nil {
		return fmt.Errorf("error reading the spec: %w", err)
	}
	dropPartContentTypes(&doc)
	enc := yaml.NewEncoder(out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("error writing the spec: %w", err)
	}
	return enc.Close()
}

// dropPartContentTypes removes, from every Encoding Object under an `encoding` key, a contentType ogen
// cannot generate: any but JSON.
func dropPartContentTypes(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if key, value := n.Content[i], n.Content[i+1]; key.Value == "encoding" && value.Kind == yaml.MappingNode {
				for j := 1; j < len(value.Content); j += 2 {
					dropContentType(value.Content[j])
				}
			}
		}
	}
	for _, c := range n.Content {
		dropPartContentTypes(c)
	}
}

// dropContentType removes contentType from one Encoding Object unless it is JSON, which ogen supports.
func dropContentType(enc *yaml.Node) {
	if enc.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(enc.Content); i += 2 {
		if enc.Content[i].Value == "contentType" && !isJSON(enc.Content[i+1].Value) {
			enc.Content = append(enc.Content[:i], enc.Content[i+2:]...)
			return
		}
	}
}

func isJSON(contentType string) bool {
	return contentType == "application/json" || len(contentType) > 5 && contentType[len(contentType)-5:] == "+json"
}
