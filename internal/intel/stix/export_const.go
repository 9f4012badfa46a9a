package stix

// cascade's own vocabulary in exported bundles.
const (
	advisoryType        = "x-cascade-advisory"
	kindIncident        = "incident"         // a campaign that is a cascade incident
	kindIncidentMalware = "incident-malware" // a malware name listed by an incident
	xFilename           = "x-cascade-filename"
	xPath               = "x-cascade-path"
	xURL                = "x-cascade-url"
	xSigner             = "x-cascade-signer"
)
