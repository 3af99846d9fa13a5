# The two commands (see README.md):
#   make demo    install what is missing, build, and run a demo clinic on https://127.0.0.1:8443
#   make check   install what is missing, build, and run every test; ends with "N passed, N failed"
BUILD ?= build

.PHONY: demo check build deps deps-test clean

demo: deps build
	./$(BUILD)/anteroom --demo

check: deps-test build
	scripts/check.sh $(BUILD)

build:
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) -Dwerror=true
	ninja -C $(BUILD)

deps:
	scripts/deps.sh build

deps-test:
	scripts/deps.sh test

clean:
	rm -rf $(BUILD) build-asan build-fuzz
