# Build and install the release binaries: `make && sudo make install PREFIX=/usr/local`.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SWIFT ?= swift
PROGRAMS = interimap pullimap scenario fake-imapd

.PHONY: all release install uninstall test demo clean

all: release

release:
	$(SWIFT) build -c release

install: release
	install -d $(DESTDIR)$(BINDIR)
	for p in $(PROGRAMS); do install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/$$p" $(DESTDIR)$(BINDIR)/; done

uninstall:
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p; done

test:
	./scripts/test.sh

demo:
	./scripts/demo.sh

clean:
	rm -rf .build
