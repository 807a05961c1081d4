"""Tests for consent.py: Consent, OptOutPolicy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from attrs import evolve

from persona_clone import (
    AliasMap,
    Attachment,
    ConfigError,
    Consent,
    Identity,
    Message,
    MessageKind,
    OptOutPolicy,
    Participant,
    PrivacyReport,
    RedactionKind,
    Session,
)
from persona_clone.privacy.consent import OPTED_OUT
from persona_clone.testing import DEFAULT_TIME, make_message


ADA = Participant(id="ada", name="Ada")
BOB = Participant(id="bob", name="Bob Kaya")
CEM = Participant(id="cem", name="Cem")


@pytest.fixture(name="aliases")
def _aliases() -> AliasMap:
    return AliasMap(
        identities=(
            Identity(id="ada", name="Ada", aliases=("+90 532 123 45 67",)),
            Identity(id="bob", name="Bob Kaya", aliases=("bobby",)),
        )
    )


def session_of(*messages: Message) -> Session:
    return Session(messages=messages)


def chat(*lines: tuple[Participant, str]) -> Session:
    return session_of(
        *[
            make_message(
                id=str(number),
                author=author,
                text=text,
                sent_at=DEFAULT_TIME + dt.timedelta(seconds=number),
            )
            for number, (author, text) in enumerate(lines)
        ]
    )


class TestCheckPersona:
    def test_consenting_persona(self, aliases: AliasMap) -> None:
        """A persona on the consent list passes, under any of their aliases."""
        consent = Consent(consenting=frozenset({"+905321234567"}))

        consent.check_persona(Participant.from_name("Ada"), aliases)

    def test_persona_without_consent(self, aliases: AliasMap) -> None:
        """Cloning someone who did not consent is refused with what to do."""
        with pytest.raises(ConfigError, match=r"'Cem' has not consented.*consent = true"):
            Consent().check_persona(CEM, aliases)

    def test_attested(self, aliases: AliasMap) -> None:
        """An attestation stands in for the list."""
        Consent(attested=True).check_persona(CEM, aliases)

    def test_opted_out_persona(self, aliases: AliasMap) -> None:
        """Someone who opted out cannot be the persona, even with an attestation."""
        consent = Consent(excluded=frozenset({"bobby"}), attested=True)

        with pytest.raises(ConfigError, match="'Bob Kaya' opted out"):
            consent.check_persona(BOB, aliases)

    def test_both_lists(self) -> None:
        """Nobody can both consent and opt out."""
        with pytest.raises(ConfigError, match="both for 'Ada'"):
            Consent(consenting=frozenset({"Ada"}), excluded=frozenset({"Ada"}))


class TestLoad:
    def test_reads_the_people_file(self, tmp_path: Path) -> None:
        """consent/opted_out per person and the [consent] table are read."""
        path = tmp_path / "people.toml"
        path.write_text(
            """
            [consent]
            policy = "drop-session"
            placeholder = "[gizli]"

            [[person]]
            id = "ada"
            name = "Ada"
            consent = true

            [[person]]
            name = "Bob Kaya"
            opted_out = true
            """,
            encoding="utf-8",
        )

        assert Consent(
            consenting=frozenset({"ada"}),
            excluded=frozenset({"Bob Kaya"}),
            policy=OptOutPolicy.DROP_SESSION,
            placeholder="[gizli]",
        ) == Consent.load(path)

    def test_defaults(self, tmp_path: Path) -> None:
        """Without a [consent] table the placeholder policy applies."""
        path = tmp_path / "people.json"
        path.write_text('{"person": [{"name": "Ada", "consent": true}]}', encoding="utf-8")

        assert OptOutPolicy.PLACEHOLDER == Consent.load(path).policy

    def test_both_in_file(self, tmp_path: Path) -> None:
        """A person marked both ways is a ConfigError naming the file."""
        path = tmp_path / "people.toml"
        path.write_text(
            '[[person]]\nname = "Ada"\nconsent = true\nopted_out = true\n',
            encoding="utf-8",
        )

        with pytest.raises(ConfigError, match=r"people\.toml: .*both for 'Ada'"):
            Consent.load(path)


class TestApply:
    def test_placeholder_policy(self, aliases: AliasMap) -> None:
        """Opted-out messages become the placeholder by a neutral author; names go."""
        session = chat(
            (ADA, "Bob nerede?"),
            (BOB, "buradayım 0532 123 45 67"),
            (CEM, "Bob Kaya'yı gördüm, bobby'e söyle"),
        )
        report = PrivacyReport()
        consent = Consent(excluded=frozenset({"Bob Kaya"}))

        (out,) = consent.apply([session], aliases, report)

        assert [
            (ADA, "<NAME> nerede?"),
            (OPTED_OUT, "<message from someone who opted out>"),
            (CEM, "<NAME>'yı gördüm, <NAME>'e söyle"),
        ] == [(message.author, message.text) for message in out.messages]
        assert 1 == report.messages_replaced
        assert 3 == report.redactions[RedactionKind.NAME]
        assert [m.id for m in session.messages] == [m.id for m in out.messages]

    def test_given_name_of_several_words(self, aliases: AliasMap) -> None:
        """The first word of a longer name is redacted too ("Bob" of "Bob Kaya")."""
        consent = Consent(excluded=frozenset({"Bob Kaya"}))

        assert ("Bob", "Bob Kaya", "bobby") == consent.names_to_redact(aliases)

    def test_phone_aliases_and_ids_are_not_names(self, aliases: AliasMap) -> None:
        """Phone numbers among aliases are left to phone redaction, ids are left out."""
        consent = Consent(excluded=frozenset({"ada"}))

        assert ("Ada",) == consent.names_to_redact(aliases)

    def test_media_of_opted_out_is_removed(self, aliases: AliasMap) -> None:
        """An opted-out person's photo becomes the plain placeholder text."""
        photo = make_message(
            author=BOB,
            kind=MessageKind.MEDIA,
            attachments=(Attachment(name="IMG.jpg"),),
        )
        (out,) = Consent(excluded=frozenset({"bob"})).apply(
            [session_of(photo)], aliases, PrivacyReport()
        )

        assert (MessageKind.TEXT, ()) == (
            out.messages[0].kind,
            out.messages[0].attachments,
        )

    def test_drop_session_policy(self, aliases: AliasMap) -> None:
        """Sessions in which an opted-out person wrote are left out and counted."""
        kept = chat((ADA, "selam"), (CEM, "selam"))
        dropped = chat((ADA, "naber"), (Participant.from_name("bobby"), "iyi"))
        report = PrivacyReport()
        consent = Consent(excluded=frozenset({"Bob Kaya"}), policy=OptOutPolicy.DROP_SESSION)

        assert [kept] == list(consent.apply([kept, dropped], aliases, report))
        assert (1, 2) == (report.sessions_dropped, report.messages_dropped)

    def test_nobody_excluded(self, aliases: AliasMap) -> None:
        """Without opt-outs the sessions pass through untouched."""
        session = chat((ADA, "Bob"))

        assert [session] == list(Consent().apply([session], aliases, PrivacyReport()))

    def test_untouched_sessions_are_the_same_objects(self, aliases: AliasMap) -> None:
        """A session with nothing to change is passed on as is."""
        session = chat((ADA, "selam"))
        consent = Consent(excluded=frozenset({"bob"}))

        (out,) = consent.apply([session], aliases, PrivacyReport())

        assert session is out

    def test_system_messages_are_redacted(self, aliases: AliasMap) -> None:
        """System events naming an opted-out person lose the name."""
        event = make_message(kind=MessageKind.SYSTEM, text="Ada, Bob Kaya'yı ekledi")
        consent = Consent(excluded=frozenset({"bob"}))

        (out,) = consent.apply([session_of(event)], aliases, PrivacyReport())

        assert "Ada, <NAME>'yı ekledi" == out.messages[0].text

    def test_custom_placeholder(self, aliases: AliasMap) -> None:
        """The placeholder text is configurable."""
        consent = Consent(excluded=frozenset({"bob"}), placeholder="…")
        (out,) = consent.apply([chat((BOB, "x"))], aliases, PrivacyReport())

        assert "…" == out.messages[0].text


class TestApplyToMessages:
    def test_replaces_message_by_message(self, aliases: AliasMap) -> None:
        """The message step replaces opted-out messages whatever the policy."""
        messages: list[Message] = list(chat((ADA, "Bob?"), (BOB, "evet")).messages)
        consent = Consent(excluded=frozenset({"bob"}), policy=OptOutPolicy.DROP_SESSION)
        report = PrivacyReport()

        out = list(consent.apply_to_messages(messages, aliases, report))

        assert ["<NAME>?", consent.placeholder] == [message.text for message in out]
        assert evolve(messages[1], author=OPTED_OUT, text=consent.placeholder) == out[1]

    def test_nobody_excluded(self, aliases: AliasMap) -> None:
        """Without opt-outs the messages pass through."""
        messages = list(chat((ADA, "Bob")).messages)

        assert messages == list(Consent().apply_to_messages(messages, aliases, PrivacyReport()))


class TestMatching:
    def test_lists_match_without_case(self, aliases: AliasMap) -> None:
        """'--exclude mehmet' catches Mehmet, and 'IŞIK' catches 'Işık'."""
        consent = Consent(excluded=frozenset({"mehmet", "IŞIK"}))

        assert consent.is_excluded(Participant.from_name("Mehmet"), aliases)
        assert consent.is_excluded(Participant.from_name("Işık"), aliases)
        assert not consent.is_excluded(Participant.from_name("Mehmet Ali"), aliases)

    def test_phone_numbers_match_by_digits(self, aliases: AliasMap) -> None:
        """An excluded phone number matches however it is written."""
        consent = Consent(excluded=frozenset({"+44 20 7946 0958"}))

        assert consent.is_excluded(Participant.from_name("+442079460958"), aliases)

    @pytest.mark.parametrize(
        "written",
        [
            "+905325550147",
            "905325550147",
            "+90 532 555 01 47",
            "\u202a+90 532 555 01 47\u202c",
            "+90-532-555-01-47",
        ],
    )
    def test_a_phone_number_opts_out_however_written(self, written: str) -> None:
        """A number given with or without "+", spaces or direction marks is that participant."""
        number = Participant.from_name("\u202a+90 532 555 01 47\u202c")
        consent = Consent(consenting=frozenset({"Ada"}), excluded=frozenset({written}))
        report = PrivacyReport()

        (out,) = consent.apply([chat((number, "Merhaba"), (ADA, "selam"))], AliasMap(), report)

        assert consent.is_excluded(number, AliasMap())
        assert [OPTED_OUT, ADA] == [message.author for message in out.messages]
        assert [consent.placeholder, "selam"] == [message.text for message in out.messages]
        assert 1 == report.messages_replaced

    def test_a_phone_number_cannot_both_consent_and_opt_out(self) -> None:
        """The same number written two ways on both lists is refused."""
        with pytest.raises(ConfigError, match="found both"):
            Consent(
                consenting=frozenset({"\u202a+90 532 555 01 47\u202c"}),
                excluded=frozenset({"905325550147"}),
            )

    def test_nobody(self, aliases: AliasMap) -> None:
        """Without opt-outs nobody is excluded, and system events never are."""
        assert not Consent().is_excluded(ADA, aliases)
        assert not Consent(excluded=frozenset({"Ada"})).is_excluded(None, aliases)


class TestForwards:
    def test_a_message_forwarded_from_an_opted_out_person_is_theirs(
        self, aliases: AliasMap
    ) -> None:
        """What Ada forwarded from Bob, who opted out, is replaced like Bob's own message."""
        forward = evolve(
            make_message(author=ADA, text="Bob's words"),
            forwarded_from=Participant.from_name("bobby"),
        )
        report = PrivacyReport()

        (out,) = Consent(excluded=frozenset({"bob"})).apply_to_messages([forward], aliases, report)

        assert (OPTED_OUT, "<message from someone who opted out>", None) == (
            out.author,
            out.text,
            out.forwarded_from,
        )
        assert 1 == report.messages_replaced

    def test_drop_session_drops_sessions_with_their_forwards(self, aliases: AliasMap) -> None:
        """With drop-session, a session holding a forward from them is left out."""
        forward = evolve(make_message(author=ADA), forwarded_from=BOB)
        consent = Consent(excluded=frozenset({"Bob Kaya"}), policy=OptOutPolicy.DROP_SESSION)

        kept = list(consent.apply([Session(messages=(forward,))], aliases, PrivacyReport()))

        assert [] == kept

    def test_forwards_from_others_are_kept(self, aliases: AliasMap) -> None:
        """A forward from someone who did not opt out stays as it is."""
        forward = evolve(make_message(author=ADA, text="hello"), forwarded_from=CEM)

        (out,) = Consent(excluded=frozenset({"bob"})).apply_to_messages(
            [forward], aliases, PrivacyReport()
        )

        assert forward is out


class TestNamesToRedact:
    def test_nicknames_from_the_people_file(self) -> None:
        """The aliases of someone excluded by any spelling of their name are redacted."""
        aliases = AliasMap(
            identities=(Identity(id="m", name="Mehmet Kaya", aliases=("Memo", "mehmet_k")),)
        )

        names = Consent(excluded=frozenset({"mehmet kaya"})).names_to_redact(aliases)

        assert {"Mehmet", "Mehmet Kaya", "Memo", "mehmet_k"} <= set(names)

    def test_surnames_only_in_name_context(self, aliases: AliasMap) -> None:
        """A surname alone is redacted where it is a name, and kept as an ordinary word."""
        redactor = Consent(excluded=frozenset({"bob"})).redactor(aliases)

        assert ("<NAME>'ın evi, kaya gibi", 1) == (
            redactor.redact("Kaya'ın evi, kaya gibi")[0],
            redactor.redact("Kaya'ın evi, kaya gibi")[1].total(),
        )
        assert ("Kaya",) == Consent(excluded=frozenset({"bob"})).surnames_to_redact(aliases)

    def test_names_glued_and_as_handles(self, aliases: AliasMap) -> None:
        """The full name glued, with an underscore or as a handle is one name."""
        redactor = Consent(excluded=frozenset({"bob"})).redactor(aliases)

        texts = ["BobKaya geldi", "bob_kaya geldi", "@bob.kaya geldi", "@bobkaya92 geldi"]

        assert [
            "<NAME> geldi",
            "<NAME> geldi",
            "@<NAME> geldi",
            "@<NAME> geldi",
        ] == [redactor.redact(text)[0] for text in texts]
