# The two commands (see README.md):
#   make demo    install what is missing, build, and run a demo clinic on https://127.0.0.1:8443
#   make check   install what is missing, build, and run every test; ends with "N passed, N failed"
#   make fuzz    run every libFuzzer target for SECONDS_PER_TARGET (default 600) seconds and
#                append the figures to tests/fuzz/RESULTS.md (FUZZ_ARGS="--merge" keeps finds)
#   make soak    30 minutes of 50 participants joining and leaving with media; fails on a crash
#                or RSS growth of 5 % or more after warm-up (SOAK_MINUTES, SOAK_VISITS)
BUILD ?= build

.PHONY: demo check fuzz soak build deps deps-test clean

demo: deps build
	./$(BUILD)/anteroom --demo

check: deps-test build
	scripts/check.sh $(BUILD)

build:
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) -Dwerror=true
	ninja -C $(BUILD)

fuzz: deps-test
	scripts/fuzz.sh $(FUZZ_ARGS)

soak: deps-test build
	scripts/soak.sh $(BUILD)

deps:
	scripts/deps.sh build

deps-test:
	scripts/deps.sh test

clean:
	rm -rf $(BUILD) build-asan build-fuzz
