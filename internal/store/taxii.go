package store

import (
	"context"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// TAXIICollection and TAXIIGrant are the fleet API's, stored as they are.
type (
	TAXIICollection = fleet.TAXIICollection
	TAXIIGrant      = fleet.TAXIIGrant
)

// TAXIIObject is one version of a STIX object, validated by the caller.
type TAXIIObject struct {
	ID          string
	Type        string
	SpecVersion string
	// Version is the object's modified (or created) timestamp as written,
	// or its date added when it has neither; VersionAt is it parsed, to the
	// microsecond (versions closer than that are the same version).
	Version   string
	VersionAt time.Time
	Body      []byte
}

// TAXIIRecord is a stored object version with when it was added.
type TAXIIRecord struct {
	TAXIIObject
	DateAdded time.Time
}

// TAXIIAdded reports one object of an add: stored, or already there
// (Duplicate: the same id and version, which keeps its first content).
type TAXIIAdded struct {
	ID, Version string
	DateAdded   time.Time
	Duplicate   bool
}

// TAXIIQuery selects object versions of one collection in date_added
// order. Empty filters match everything.
type TAXIIQuery struct {
	Collection string
	// After is exclusive: versions added strictly after it.
	After time.Time
	IDs   []string
	Types []string
	// Versions: First and Last select the first and last version of each
	// object, At the versions with these timestamps; All every version.
	// None set means Last.
	First, Last, All bool
	At               []time.Time
	SpecVersions     []string
	Limit            int
	// Body loads the objects' content (manifests do without).
	Body bool
}

// TAXIIStatus is a stored status resource of an add request.
type TAXIIStatus struct {
	ID         string
	Collection string
	TokenID    int64
	Created    time.Time
	Body       []byte
}

// TAXII keeps the TAXII server's collections, grants, objects and status
// resources.
type TAXII interface {
	CreateCollection(ctx context.Context, c TAXIICollection) (TAXIICollection, error)
	Collections(ctx context.Context) ([]TAXIICollection, error)
	// Collection finds a collection by id or alias.
	Collection(ctx context.Context, idOrAlias string) (TAXIICollection, error)
	// DeleteCollection removes a collection with its objects and grants.
	DeleteCollection(ctx context.Context, id string) error
	// SetGrant stores a token's rights in a collection (none: removes it).
	SetGrant(ctx context.Context, g TAXIIGrant) error
	// Grants lists the grants of one collection ("": all).
	Grants(ctx context.Context, collection string) ([]TAXIIGrant, error)
	// TokenGrants lists one token's grants.
	TokenGrants(ctx context.Context, tokenID int64) ([]TAXIIGrant, error)
	// AddObjects stores object versions in one transaction, each with its
	// own date_added: unique in the collection, after every earlier one,
	// and no earlier than now.
	AddObjects(ctx context.Context, collection string, objs []TAXIIObject, now time.Time) ([]TAXIIAdded, error)
	// QueryObjects returns up to q.Limit versions and whether more match.
	QueryObjects(ctx context.Context, q TAXIIQuery) ([]TAXIIRecord, bool, error)
	// DeleteObject removes the versions of one object q selects (q.IDs
	// holds its id; After, Types and Limit are ignored) and returns how
	// many went.
	DeleteObject(ctx context.Context, q TAXIIQuery) (int, error)
	PutTAXIIStatus(ctx context.Context, st TAXIIStatus) error
	TAXIIStatus(ctx context.Context, id string) (TAXIIStatus, error)
}
