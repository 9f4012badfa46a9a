package fleet

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestArtifactKeyHashed: two hashed known_hosts entries of one file are two
// artifacts (they were one before their Host joined the key), and an
// unhashed artifact's key is what it always was.
func TestArtifactKeyHashed(t *testing.T) {
	a := snapshot.Artifact{Kind: snapshot.ArtifactSSHKnownHost, Source: "/home/dev/.ssh/known_hosts", User: "dev", Hashed: true,
		Host: "|1|aCRcjnrhsUc4PK0M1KCebtGeDFo=|WBXgJG3BYbiU44l5Abn0jEWW2fk="}
	b := a
	b.Host = "|1|bhgklnbx+GiMeGpuHUeG13katiQ=|F4JsbF2zDexPvQUo5QO5fyynXMQ="
	if ArtifactKey(&a) == ArtifactKey(&b) {
		t.Error("two hashed entries share a key")
	}
	plain := snapshot.Artifact{Kind: snapshot.ArtifactSSHKnownHost, Source: "/home/dev/.ssh/known_hosts", User: "dev", Host: "db01", Domain: "db01"}
	other := plain
	other.Host = "something else" // Host is not part of an unhashed key
	if ArtifactKey(&plain) != ArtifactKey(&other) ||
		ArtifactKey(&plain) != keyOf("artifact", plain.Kind, plain.Source, "", "db01", "", "", "", "dev") {
		t.Error("an unhashed artifact's key changed")
	}
}
