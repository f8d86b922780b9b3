# Build, then install the programs, their manual pages, shell completions and systemd user units:
#   make && sudo make install PREFIX=/usr/local
#   make install PREFIX=/usr DESTDIR=/tmp/stage      (a staged install, e.g. for a package)
#   make uninstall PREFIX=/usr/local
# CONFIGURATION=debug installs the debug build; SKIP_BUILD=1 installs what is already built
# (in BIN_PATH, by default .build/$(CONFIGURATION)) without running swift build.
# Rendering the manual pages needs scdoc (scripts/setup.sh installs it); swift build does not.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
CONFIGURATION ?= release
BIN_PATH ?= .build/$(CONFIGURATION)
# Where the rendered pages, completions and units are written before being installed.
GENDIR ?= .build/share
SWIFT ?= swift
PROGRAMS = interimap pullimap scenario fake-imapd
UNITS = interimap.service interimap@.service pullimap@.service

MAN_PAGES = $(PROGRAMS:%=$(GENDIR)/man/%.1)
BASH_COMPLETIONS = $(PROGRAMS:%=$(GENDIR)/bash/%)
ZSH_COMPLETIONS = $(PROGRAMS:%=$(GENDIR)/zsh/_%)
FISH_COMPLETIONS = $(PROGRAMS:%=$(GENDIR)/fish/%.fish)
UNIT_FILES = $(UNITS:%=$(GENDIR)/systemd/%)

.PHONY: all build man completions units install uninstall test demo clean

all: build man

build:
ifeq ($(SKIP_BUILD),)
	$(SWIFT) build -c $(CONFIGURATION)
endif

man: $(MAN_PAGES)

$(GENDIR)/man/%.1: doc/man/%.1.scd doc/man/connection.scd scripts/render-man.sh Sources/Engine/Version.swift
	@mkdir -p $(@D)
	scripts/render-man.sh $< > $@.tmp && mv $@.tmp $@

# The completion scripts come from the programs themselves (swift-argument-parser), so they
# follow the options of the build being installed.
completions: build
	@mkdir -p $(GENDIR)/bash $(GENDIR)/zsh $(GENDIR)/fish
	for p in $(PROGRAMS); do \
	  "$(BIN_PATH)/$$p" --generate-completion-script bash > $(GENDIR)/bash/$$p && \
	  "$(BIN_PATH)/$$p" --generate-completion-script zsh > $(GENDIR)/zsh/_$$p && \
	  "$(BIN_PATH)/$$p" --generate-completion-script fish > $(GENDIR)/fish/$$p.fish || exit 1; \
	done

# The units name the installed programs; their shared restart and sandboxing settings are
# kept once, in dist/systemd/sandbox.conf.
units:
	@mkdir -p $(GENDIR)/systemd
	for u in $(UNITS); do \
	  awk -v sandbox=dist/systemd/sandbox.conf -v bindir="$(BINDIR)" \
	    '/^@SANDBOX@$$/ { while ((getline line < sandbox) > 0) print line; close(sandbox); next } \
	     { gsub(/@BINDIR@/, bindir); print }' dist/systemd/$$u.in > $(GENDIR)/systemd/$$u || exit 1; \
	done

install: build man completions units
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(SYSTEMDUSERDIR)
	for p in $(PROGRAMS); do install -m 0755 "$(BIN_PATH)/$$p" $(DESTDIR)$(BINDIR)/ || exit 1; done
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BASH_COMPLETIONS) $(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 $(ZSH_COMPLETIONS) $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 0644 $(FISH_COMPLETIONS) $(DESTDIR)$(FISHCOMPDIR)/
	install -m 0644 $(UNIT_FILES) $(DESTDIR)$(SYSTEMDUSERDIR)/

uninstall:
	for p in $(PROGRAMS); do \
	  rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(MANDIR)/man1/$$p.1 $(DESTDIR)$(BASHCOMPDIR)/$$p \
	    $(DESTDIR)$(ZSHCOMPDIR)/_$$p $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done
	for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDUSERDIR)/$$u; done

test:
	./scripts/test.sh

demo:
	./scripts/demo.sh

clean:
	rm -rf .build
