package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook headers. The signature is HMAC-SHA256, keyed with the sink's
// secret, over the timestamp header's value, a period and the body:
//
//	X-Cascade-Signature: sha256=hex(HMAC(secret, timestamp + "." + body))
//
// A receiver recomputes it, compares in constant time, and refuses a
// timestamp more than a few minutes old (a replay).
const (
	HeaderSignature = "X-Cascade-Signature"
	HeaderTimestamp = "X-Cascade-Timestamp"
	HeaderDelivery  = "X-Cascade-Delivery"
)

// Webhook POSTs alerts as JSON.
type Webhook struct {
	url     string
	secret  []byte
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

// maxResponse is how much of a receiver's answer is read (for the error).
const maxResponse = 4096

// MaxConcurrentSends is how many sends to one webhook the server runs at
// once; its connection pool keeps that many idle connections.
const MaxConcurrentSends = 16

// CheckWebhookURL validates a webhook destination: http or https, a host,
// no credentials in it, and an address the guard allows.
func CheckWebhookURL(ctx context.Context, raw string, g *Guard) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("webhook url: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("webhook url %q: scheme must be https or http", raw)
	}
	if u.Hostname() == "" || u.User != nil {
		return nil, fmt.Errorf("webhook url %q: needs a host and no credentials", raw)
	}
	if err := g.Check(ctx, u.Hostname()); err != nil {
		return nil, fmt.Errorf("webhook url %q: %w", raw, err)
	}
	return u, nil
}

// NewWebhook returns a sender to rawURL, refusing what g refuses, now and
// on every connection. timeout bounds one send (0: DefaultTimeout).
func NewWebhook(ctx context.Context, rawURL, secret string, g *Guard, timeout time.Duration) (*Webhook, error) {
	if _, err := CheckWebhookURL(ctx, rawURL, g); err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := &net.Dialer{Timeout: timeout, Control: g.Control}
	tr := &http.Transport{
		Proxy:                 nil, // the guard checks the real destination
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		// As many idle connections as the server sends at once to one
		// sink: fewer closes and redials a connection after nearly every
		// send under load.
		MaxIdleConnsPerHost: MaxConcurrentSends,
		IdleConnTimeout:     90 * time.Second,
	}
	c := &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("webhook redirects are not followed") }}
	return &Webhook{url: rawURL, secret: []byte(secret), client: c, timeout: timeout, now: time.Now}, nil
}

// Sign returns the signature header's value for a body sent at ts (Unix
// seconds).
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a request's signature and that its timestamp is within
// maxAge of now: what a receiver does.
func Verify(secret []byte, sig, ts string, body []byte, now time.Time, maxAge time.Duration) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("timestamp %s is %v away", ts, d)
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return errors.New("signature does not match")
	}
	return nil
}

// Send posts one alert; any answer but 2xx is an error.
func (w *Webhook) Send(ctx context.Context, a *Alert) error {
	ctx, cancel := withTimeout(ctx, w.timeout)
	defer cancel()
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("webhook body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	ts := strconv.FormatInt(w.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cascade-alerts")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(a.DeliveryID, 10))
	if len(w.secret) > 0 {
		req.Header.Set(HeaderSignature, Sign(w.secret, ts, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: %s: %s", resp.Status, oneLine(string(msg)))
	}
	return nil
}
