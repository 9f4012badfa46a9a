// Package feedclient groups the clients cascade uses to talk to other
// organizations' intel services: guard (the bounded HTTP every one of them
// uses), taxiiclient (TAXII 2.1) and mispclient (MISP's REST API).
package feedclient
