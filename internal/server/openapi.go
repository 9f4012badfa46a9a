package server

import _ "embed"

// openapiDoc describes the JSON API; a test keeps it in step with routes.
//
//go:embed openapi.json
var openapiDoc []byte
