# The container image (Dockerfile) and the Compose stack (compose.yaml); README "Running in production".
# Neither runs in `make test`: no container engine exists on the development machines. internal/deploy's tests
# check both files with the Compose loader and BuildKit's parser instead.
IMAGE ?= homekeep:$(VERSION)

.PHONY: image

## image: build the container image, tagged $(IMAGE), with the same version `make build` puts in the binary.
image:
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .
