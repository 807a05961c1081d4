"""Tests for identity.py: Identity, AliasMap, NameBook and name helpers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from persona_clone import AliasMap, ConfigError, Identity, NameBook, Participant
from persona_clone.privacy.identity import (
    OPENAI_NAME,
    is_phone_number,
    normalise_name,
    openai_safe,
)


PHONE = "\u202a+90 532 123 45 67\u202c"


@pytest.fixture(name="aliases")
def _aliases() -> AliasMap:
    return AliasMap(
        identities=(
            Identity(
                id="ada",
                name="Ada Yılmaz",
                aliases=("+90 532 123 45 67", "Ada Y.", "ada#1234"),
            ),
            Identity(id="cem", name="Cem", aliases=("cemo",), openai_name="Cem_K"),
        )
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestNormaliseName:
    def test_removes_direction_marks_and_collapses_spaces(self) -> None:
        """Bidi marks and no-break spaces vanish; runs of spaces become one."""
        assert "+90 532 123 45 67" == normalise_name("\u2068+90\u00a0532  123 45 67\u2069")

    def test_keeps_turkish_case(self) -> None:
        """İ, ı, I and i are kept as they are: the normalisation never folds case."""
        assert "İpek Işık ılık" == normalise_name("İpek  Işık\tılık")

    def test_composes_to_nfc(self) -> None:
        """Decomposed letters are composed, so 'ş' typed two ways compares equal."""
        assert "Ayşe" == normalise_name("Ays\u0327e")


class TestIsPhoneNumber:
    @pytest.mark.parametrize(
        "name", [PHONE, "+44 20 7946 0958", "0532 123 45 67", "(555) 123-4567"]
    )
    def test_phone_numbers(self, name: str) -> None:
        """Display names that are only a phone number are recognised."""
        assert is_phone_number(name)

    @pytest.mark.parametrize("name", ["Ada", "Ada 2", "2024", "123456", "1" * 18])
    def test_not_phone_numbers(self, name: str) -> None:
        """Names, short numbers and long platform ids are not phone numbers."""
        assert not is_phone_number(name)


class TestOpenAISafe:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("Çağrı Öztürk", "Cagri_Ozturk"),
            ("İpek Işık", "Ipek_Isik"),
            ("Gülşen Ağaoğlu", "Gulsen_Agaoglu"),
            ("Straße", "Strasse"),
            ("Jean-Luc O'Brien", "Jean-Luc_OBrien"),
            ("Дмитрий", "Dmitriy"),
            ("Ada 🌸✨", "Ada"),
            ("🌸", "cherry_blossom"),
            ("Ada Y.", "Ada_Y"),
        ],
    )
    def test_transliterates(self, name: str, expected: str) -> None:
        """Names become readable ASCII in the characters OpenAI allows."""
        assert expected == openai_safe(name)

    def test_cuts_to_64(self) -> None:
        """Very long names are cut to the 64 characters the field allows."""
        assert 64 == len(openai_safe("a" * 100))

    def test_nothing_left(self) -> None:
        """A name of punctuation only leaves nothing."""
        assert "" == openai_safe("...")


class TestAliasMap:
    def test_resolves_by_id_name_and_alias(self, aliases: AliasMap) -> None:
        """Any id, name or alias resolves to the canonical participant."""
        ada = Participant(id="ada", name="Ada Yılmaz")

        assert ada == aliases.resolve(Participant.from_name("Ada Y."))
        assert ada == aliases.resolve(Participant(id="ada#1234", name="Ada"))
        assert ada == aliases.resolve(Participant(id="ada", name="whatever"))

    def test_resolves_phone_numbers_by_digits(self, aliases: AliasMap) -> None:
        """A phone number matches its alias however it is spaced or marked."""
        ada = Participant(id="ada", name="Ada Yılmaz")

        assert ada == aliases.resolve(Participant.from_name(PHONE))
        assert ada == aliases.resolve(Participant.from_name("+905321234567"))

    def test_unknown_participant_is_returned_unchanged(self, aliases: AliasMap) -> None:
        """Someone the map does not know is returned as given."""
        bob = Participant(id="b1", name="Bob")

        assert bob is aliases.resolve(bob)

    def test_matching_is_case_sensitive(self) -> None:
        """'ıpek' is not 'İpek': case is never folded, so Turkish letters stay apart."""
        aliases = AliasMap(identities=(Identity(id="ipek", name="İpek"),))
        other = Participant.from_name("ıpek")

        assert other == aliases.resolve(other)

    def test_normalised_match(self) -> None:
        """Extra spaces and direction marks do not stop a match."""
        aliases = AliasMap(identities=(Identity(id="a", name="Ayşe Kaya"),))

        assert "a" == aliases.resolve(Participant.from_name("\u200eAyşe  Kaya ")).id

    def test_answers_stay_the_same_past_its_memory(self) -> None:
        """Asking again, also after more participants than it remembers, gives the same answers."""
        aliases = AliasMap(identities=(Identity(id="a", name="Ayşe Kaya"),))
        known = Participant(id="x", name="Ayşe  Kaya")
        strangers = [Participant.from_name(f"Person {n}") for n in range(5000)]

        first = [aliases.identity_of(p) for p in (known, *strangers, known)]
        again = [aliases.identity_of(p) for p in (known, *strangers, known)]

        assert first == again
        assert aliases.identities[0] == first[0] == first[-1]
        assert all(found is None for found in first[1:-1])

    def test_alias_claimed_twice(self) -> None:
        """An alias that belongs to two identities is refused, naming both."""
        with pytest.raises(ConfigError, match=r"identities\[1\].*identities\[0\]"):
            AliasMap(
                identities=(
                    Identity(id="a", name="Ada", aliases=("+90 532 123 45 67",)),
                    Identity(id="b", name="Bob", aliases=("+905321234567",)),
                )
            )

    def test_empty_alias(self) -> None:
        """An alias of only spaces or invisible marks is refused."""
        with pytest.raises(ConfigError, match="expected non-empty names and aliases"):
            AliasMap(identities=(Identity(id="a", name="Ada", aliases=(" \u200e",)),))

    def test_bad_pinned_name(self) -> None:
        """A pinned OpenAI name outside the allowed characters is refused."""
        with pytest.raises(ConfigError, match="openai_name"):
            AliasMap(identities=(Identity(id="a", name="Ada", openai_name="Ada Y"),))


class TestAliasMapLoad:
    def test_toml(self, tmp_path: Path) -> None:
        """A TOML people file loads, and an entry without id uses its name."""
        path = write(
            tmp_path,
            "people.toml",
            """
            [[person]]
            id = "ada"
            name = "Ada Yılmaz"
            aliases = ["+90 532 123 45 67", "Ada"]
            consent = true

            [[person]]
            name = "Mehmet"
            opted_out = true
            """,
        )

        aliases = AliasMap.load(path)

        assert (
            Identity(id="ada", name="Ada Yılmaz", aliases=("+90 532 123 45 67", "Ada")),
            Identity(id="Mehmet", name="Mehmet"),
        ) == aliases.identities

    def test_json(self, tmp_path: Path) -> None:
        """The same shape loads from JSON."""
        path = write(
            tmp_path,
            "people.json",
            json.dumps({"person": [{"name": "Cem", "aliases": ["cemo"]}]}),
        )

        assert "Cem" == AliasMap.load(path).resolve(Participant.from_name("cemo")).name

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                '[[person]]\nname = "A"\n[[person]]\nname = "B"\naliases = "Bobby"\n',
                r"expected a list of strings, found 'Bobby' @ \$\.person\[1\]\.aliases",
            ),
            (
                '[[person]]\nname = "A"\ncolour = "red"\n',
                r"extra fields found \(colour\) @ \$\.person\[0\]",
            ),
            (
                "[[person]]\nname = 3\n",
                r"expected a string, found 3 @ \$\.person\[0\]\.name",
            ),
            (
                '[[person]]\nname = "A"\nconsent = "yes"\n',
                r"expected true or false, found 'yes' @ \$\.person\[0\]\.consent",
            ),
            (
                '[consent]\npolicy = "drop"\n',
                (
                    r"expected one of 'placeholder', 'drop-session', found 'drop'"
                    r" @ \$\.consent\.policy"
                ),
            ),
            (
                '[[person]]\nname = "A"\n[[person]]\nname = "B"\naliases = ["A"]\n',
                r"\$\.person\[1\]: 'A' already belongs to \$\.person\[0\]",
            ),
            ("[[person]\n", r"expected valid TOML"),
        ],
    )
    def test_errors_name_the_key(self, tmp_path: Path, text: str, message: str) -> None:
        """Every problem in the file is a ConfigError naming the file and the key."""
        path = write(tmp_path, "people.toml", text)

        with pytest.raises(ConfigError, match=r"people\.toml: .*" + message):
            AliasMap.load(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a ConfigError naming it."""
        with pytest.raises(ConfigError, match=r"nope\.toml: cannot read"):
            AliasMap.load(tmp_path / "nope.toml")

    def test_a_name_book_is_pointed_to_names(self, tmp_path: Path) -> None:
        """A build's names.json given as the people file says to pass it with --names."""
        book = NameBook().to_json()

        with pytest.raises(ConfigError, match=r"names\.json: .*found a name book.*--names"):
            AliasMap.load(write(tmp_path, "names.json", book))

    def test_unknown_suffix(self, tmp_path: Path) -> None:
        """Only .toml and .json files are read."""
        with pytest.raises(ConfigError, match=r"expected a \.toml or \.json"):
            AliasMap.load(write(tmp_path, "people.yaml", "person: []"))

    def test_json_not_a_table(self, tmp_path: Path) -> None:
        """A JSON file that is not an object is refused."""
        with pytest.raises(ConfigError, match="expected a table of people, found list"):
            AliasMap.load(write(tmp_path, "people.json", "[]"))


class TestNameBook:
    def test_transliterates_and_keeps_names(self) -> None:
        """Each participant gets a readable name and keeps it on every call."""
        book = NameBook()
        cagri = Participant.from_name("Çağrı Öztürk")

        assert "Cagri_Ozturk" == book.openai_name(cagri)
        assert "Cagri_Ozturk" == book.openai_name(cagri)
        assert "Çağrı Öztürk" == book.display_name(cagri)

    def test_collisions_get_suffixes_in_order_of_appearance(self) -> None:
        """Two people rendered alike are told apart by _2, _3, ... in order seen."""
        book = NameBook()
        names = [
            book.openai_name(Participant(id=str(number), name=name))
            for number, name in enumerate(["Çağrı", "Cagri", "ÇAĞRI", "Çağrı"])
        ]

        assert ["Cagri", "Cagri_2", "CAGRI_3", "Cagri_4"] == names

    def test_display_names_are_told_apart(self) -> None:
        """A second person with the same display name is shown as 'Ada (2)'."""
        book = NameBook()

        assert "Ada" == book.display_name(Participant(id="1", name="Ada"))
        assert "Ada (2)" == book.display_name(Participant(id="2", name="Ada"))

    def test_phone_numbers_become_contacts(self) -> None:
        """People known only by a phone number are Contact_1, Contact_2 everywhere."""
        book = NameBook()
        first = Participant.from_name(PHONE)
        second = Participant.from_name("+44 20 7946 0958")

        assert "Contact_1" == book.openai_name(first)
        assert "Contact_2" == book.display_name(second)
        assert "Contact_1" == book.display_name(first)

    def test_aliases_merge_before_naming(self, aliases: AliasMap) -> None:
        """A phone number that is an alias is named after its identity."""
        book = NameBook(aliases=aliases)

        assert "Ada_Yilmaz" == book.openai_name(Participant.from_name(PHONE))
        assert "Ada_Yilmaz" == book.openai_name(Participant.from_name("Ada Y."))

    def test_pinned_names_are_reserved(self, aliases: AliasMap) -> None:
        """A pinned name is used for its identity and never given to anyone else."""
        book = NameBook(aliases=aliases)

        assert "Cem_K_2" == book.openai_name(Participant(id="x", name="Cem K"))
        assert "Cem_K" == book.openai_name(Participant.from_name("cemo"))

    def test_emoji_and_empty_names(self) -> None:
        """Emoji-only names use the emoji's names; nothing usable gives Person_N."""
        book = NameBook()

        assert "cherry_blossom" == book.openai_name(Participant.from_name("🌸"))
        assert "Person_1" == book.openai_name(Participant.from_name("..."))
        assert "Person_2" == book.openai_name(Participant.from_name("!!!"))

    def test_long_names_with_suffix_fit(self) -> None:
        """A suffixed long name still fits in 64 characters."""
        book = NameBook()
        long = "Ö" * 80
        book.openai_name(Participant(id="1", name=long))
        second = book.openai_name(Participant(id="2", name=long))

        assert "O" * 62 + "_2" == second
        assert OPENAI_NAME.fullmatch(second)

    def test_mapping_masks_phone_numbers(self, aliases: AliasMap) -> None:
        """The report's mapping shows names and masked phone numbers, never a number."""
        book = NameBook(aliases=aliases)
        for name in ("Çağrı", "+44 20 7946 0958", "Ada Y."):
            book.openai_name(Participant.from_name(name))
        book.openai_name(Participant(id="c2", name="Çağrı"))

        assert {
            "Çağrı [Çağrı]": "Cagri",
            "+••••••••••58": "Contact_1",
            "Ada Yılmaz": "Ada_Yilmaz",
            "Çağrı [c2]": "Cagri_2",
        } == book.mapping()

    def test_json_round_trip(self, aliases: AliasMap) -> None:
        """A saved book gives the same names back, and new people get fresh ones."""
        book = NameBook(aliases=aliases)
        people = [
            Participant.from_name(name)
            for name in ("Çağrı", "Cagri", PHONE, "+44 20 7946 0958", "Cem")
        ]
        before = [(book.openai_name(p), book.display_name(p)) for p in people]

        saved = book.to_json()
        again = NameBook.from_json(saved, aliases=aliases)

        assert before == [(again.openai_name(p), again.display_name(p)) for p in people]
        assert "Cagri_3" == again.openai_name(Participant(id="new", name="Çağrı"))
        assert "Contact_2" == again.openai_name(Participant.from_name("+1 555 123 4567"))
        assert "7946" not in saved

    def test_saved_phone_numbers_are_not_a_plain_hash(self, aliases: AliasMap) -> None:
        """A plain hash of a number is undone by hashing every number: none is saved."""
        book = NameBook(aliases=aliases)
        book.openai_name(Participant.from_name("+44 20 7946 0958"))

        saved = book.to_json()

        plain = hashlib.sha256(b"+442079460958").hexdigest()
        assert "sha256" not in saved
        assert plain not in saved
        assert '"key": "scrypt:' in saved

    def test_from_json_rejects_garbage(self) -> None:
        """Text that is not a saved book is a ConfigError."""
        with pytest.raises(ConfigError, match="expected a saved name book"):
            NameBook.from_json('{"nope": 1}')

    def test_from_json_rejects_duplicate_names(self) -> None:
        """A saved book with one name for two people is refused."""
        entry = {"key": "a", "original": "A", "openai_name": "A", "display_name": "A"}
        text = json.dumps({"names": [entry, {**entry, "key": "b"}]})

        with pytest.raises(ConfigError, match="unique valid name"):
            NameBook.from_json(text)


class TestSavedBookErrors:
    def test_a_build_report_is_named_by_its_keys(self) -> None:
        """A report.json given as the name book says what it holds instead."""
        with pytest.raises(ConfigError, match=r"found an object with the keys 'format', 'persona'"):
            NameBook.from_json('{"format": "chat", "persona": "Deniz"}')

    def test_a_people_file_is_pointed_to_aliases(self) -> None:
        """A people file given as the name book says to pass it with --aliases."""
        with pytest.raises(ConfigError, match="a people file: pass it with --aliases"):
            NameBook.from_json('{"person": [{"name": "Ada"}]}')

    def test_text_that_is_not_json_says_where(self) -> None:
        """Broken JSON names the line and column."""
        with pytest.raises(ConfigError, match=r"not JSON .* at line 1 column 2"):
            NameBook.from_json("{oops")

    def test_an_entry_without_its_fields_is_named(self) -> None:
        """An entry missing fields is named by its index, with the fields it lacks."""
        entry = {"key": "a", "original": "A", "openai_name": "A", "display_name": "A"}
        text = json.dumps({"names": [entry, {"key": "b"}]})

        with pytest.raises(ConfigError, match=r"names\[1\]: .* missing original, openai_name"):
            NameBook.from_json(text)
