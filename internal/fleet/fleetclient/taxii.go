package fleetclient

import (
	"context"
	"net/url"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/taxii"
)

const taxiiAdmin = fleet.APIVersion + "/taxii/collections"

// post sends a JSON body and decodes the answer into out.
func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
	body, err := jsonBody(in)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: method, path: path, body: body, ctype: "application/json"}, out)
}

// TAXIICollections lists the TAXII server's collections.
func (c *Client) TAXIICollections(ctx context.Context) ([]fleet.TAXIICollection, error) {
	var out struct {
		Collections []fleet.TAXIICollection `json:"collections"`
	}
	err := c.do(ctx, request{method: "GET", path: taxiiAdmin}, &out)
	return out.Collections, err
}

// AddTAXIICollection creates a collection.
func (c *Client) AddTAXIICollection(ctx context.Context, req fleet.TAXIICollectionRequest) (fleet.TAXIICollection, error) {
	var out fleet.TAXIICollection
	err := c.send(ctx, "POST", taxiiAdmin, req, &out)
	return out, err
}

// GrantTAXII sets what one token may do in a collection.
func (c *Client) GrantTAXII(ctx context.Context, collection, tokenID string, req fleet.TAXIIGrantRequest) (fleet.TAXIIGrant, error) {
	var out fleet.TAXIIGrant
	err := c.send(ctx, "PUT", taxiiAdmin+"/"+url.PathEscape(collection)+"/grants/"+url.PathEscape(tokenID), req, &out)
	return out, err
}

// TAXIIGrants lists a collection's grants.
func (c *Client) TAXIIGrants(ctx context.Context, collection string) ([]fleet.TAXIIGrant, error) {
	var out struct {
		Grants []fleet.TAXIIGrant `json:"grants"`
	}
	err := c.do(ctx, request{method: "GET", path: taxiiAdmin + "/" + url.PathEscape(collection) + "/grants"}, &out)
	return out.Grants, err
}

// PublishTAXII adds a trace's derived intel, an intel document or objects
// to a collection.
func (c *Client) PublishTAXII(ctx context.Context, collection string, req fleet.TAXIIPublishRequest) (taxii.Status, error) {
	var out taxii.Status
	err := c.send(ctx, "POST", taxiiAdmin+"/"+url.PathEscape(collection)+"/publish", req, &out)
	return out, err
}

// TAXIIObjects lists a page of a collection's objects (type filters them).
func (c *Client) TAXIIObjects(ctx context.Context, collection string, q url.Values) (fleet.TAXIIObjectList, error) {
	var out fleet.TAXIIObjectList
	err := c.do(ctx, request{method: "GET", path: taxiiAdmin + "/" + url.PathEscape(collection) + "/objects", query: q}, &out)
	return out, err
}
