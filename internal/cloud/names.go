package cloud

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// ContainerName is the name of the one container of a FlaskDeployment's task definition.
// The ecs stage names it; the CI/CD stage hands it to the build as CONTAINER_NAME, which
// the buildspec writes into imagedefinitions.json, so that the pipeline's ECS deploy
// replaces the image of that container. (The seed's stacks disagreed on it.)
const ContainerName = "app"

// Name is the AWS name of one of fd's resources: <namespace>-<name>-<suffix>.
func Name(fd *v1alpha1.FlaskDeployment, suffix string) string {
	return fd.Namespace + "-" + fd.Name + "-" + suffix
}

// ShortName is Name cut to max characters for services with short name limits (ALB and
// target group names are at most 32). A cut name keeps as much of the readable prefix as
// fits and ends in an 8-character hash of the full name, so two long names stay distinct.
func ShortName(fd *v1alpha1.FlaskDeployment, suffix string, max int) string {
	full := Name(fd, suffix)
	if len(full) <= max {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	hash := hex.EncodeToString(sum[:])[:8]
	keep := max - len(hash) - 1
	return strings.TrimRight(full[:keep], "-") + "-" + hash
}
