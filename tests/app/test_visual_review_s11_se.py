"""Issue 11, session 11 (contracts chambery and chartres-metropole looked at one by one at 1440
and 390 px): the defects found, each fixed at its cause for every contract."""
from __future__ import annotations

from indicators.fmt import plain_spaces
from indicators.sources import clipped, reader_credit


def test_a_cut_after_an_ellipsis_ends_with_one_ellipsis() -> None:
    # Chambéry's key figure « 46 territoires »: its section, typed « § « … retenus… » et « … » »,
    # read « retenus…… » once cut to the short line's length.
    assert reader_credit(
        "Grand Chambéry engagée dans la mise en œuvre accélérée du Logement d'abord (communiqué)",
        "§ « Quels bénéfices pour les territoires retenus… » et « Les 46 territoires engagés… »",
        "Grand Chambéry", "2021-05-01") == (
        "Grand Chambéry…, § « Quels bénéfices pour les territoires retenus… » et « Les 46… », 2021")
    # The one clipping helper (credits and the screens' source lines), after « … », « ... » or « . ».
    for clip in (clipped,):
        assert [clip(text, 16) for text in ("Voir la page… suite du texte",
                                            "Voir la page... suite du texte",
                                            "Voir la page. Suite du texte",
                                            "« Voir la page… » suite")] == [
            "Voir la page…", "Voir la page…", "Voir la page…", "« Voir la page… »"]


CHAMBERY_TITLE = ("Politique de la ville – Les chiffres du mandat : « Redonner toute leur place aux "
                  "quartiers populaires et réduire concrètement les inégalités »")
CHAMBERY_PRODUCER = "Bilan du mandat municipal de Chambéry 2020-2026 (auteur et date non indiqués dans le texte)"


def test_a_portraits_notes_and_issues_show_the_short_source_line(tmp_path, monkeypatch) -> None:
    # Chambéry's note « Géographie prioritaire » showed its whole credit cut at 220 characters,
    # « (Bilan du mandat municipal de Chambéry 2020-2026, auteur et date non… »: the portrait's
    # notes and issues show the short line (document, section — producer, year), the whole
    # credit behind « Source complète », as the bilan's blocks do.
    from tests.app.test_review_sources import run_page, small_db_with, source_lines
    small_db_with(
        tmp_path, monkeypatch, "notes.duckdb",
        f"insert into documents values ('grand-chalon', 'mandat', '{CHAMBERY_TITLE}', "
        f"'{CHAMBERY_PRODUCER}', null, null, null, 'src_chalon')",
        "insert into qualitative_items values ('grand-chalon', 'QN07101I', 'note', "
        "'Géographie prioritaire', 1, 'Nouveau secteur intégré : cœur du quartier.', 'mandat', "
        "'Encadré « Les chiffres du mandat »', 'src_chalon'), "
        "('grand-chalon', 'QN07101I', 'priority_issue', 'Emploi', 1, 'Lever les freins.', "
        "'mandat', null, 'src_chalon')")
    at = run_page("portrait", "grand-chalon", qpv="QN07101I")
    assert not at.exception
    # Within sources.SHORT_LINE (90 characters): the producer cut at a word, or left out for the
    # section (issue #11: keep document and section, shorten the producer first).
    short = ("Source : Politique de la ville – Les chiffres du mandat — Bilan du mandat municipal "
             "de Chambéry…")
    whole = ("Source : " + CHAMBERY_TITLE + " (Bilan du mandat municipal de Chambéry 2020-2026, "
             "auteur et date non indiqués dans le texte){}")
    # Each short line, then the whole credit behind its « Source complète » toggle.
    assert [line for line in source_lines(at) if "Chambéry" in line or "Politique de la" in line] == [
        short, whole.format(""),
        "Source : Politique de la ville – Les chiffres du mandat, Encadré « Les chiffres du mandat »",
        whole.format(" – Encadré « Les chiffres du mandat »")]


def test_the_last_build_is_summed_up_once(small_db) -> None:
    # « Dernière construction de la base » listed files, rows, territories… then the build's own
    # summary line said them again: that line is for technicians, in their expander only.
    from tests.app.test_review_sources import run_page
    at = run_page("methode", "demo")
    assert not at.exception
    assert [t.value for t in at.text] == []
    section = [m.value for m in at.markdown if "**Résultat**" in m.value]
    assert len(section) == 1 and "Base publiée." not in section[0]
    # Under the heading « Pour les techniciens », its expander does not say it again.
    assert [e.label for e in at.expander] == ["Fichiers, tables et commandes"]
    technicians = at.expander[0]
    # As read (md_text escapes « . »; no-break spaces before « : »).
    assert plain_spaces(technicians.markdown[-1].value.replace("\\", "")) == (
        "- Résumé imprimé par la construction : Base publiée.")


CHARTRES_PAGE = "Chartres métropole, page « Politique de la ville » (21 septembre 2023)"
CHARTRES_CREDITS = [f"{CHARTRES_PAGE} – quartier prioritaire 2015–2023 « {name} » (contour de 2015, "
                    "année de la population non précisée)" for name in ("les Clos", "Tallemont-Bretagne")]
CHARTRES_SHORT = "Politique de la ville, § « Les quartiers prioritaires » — Chartres métropole, 2023"


def test_the_comparison_and_the_map_table_show_one_documents_credit_once(small_db, monkeypatch) -> None:
    from ui import data
    from tests.app.test_review_sources import run_page, source_lines
    # Chartres métropole's populations: one page, one section per quartier; the map's and the
    # comparison's line listed each whole, cut at « ; Chartres métropole, page… ». The line shown
    # is the values' short credits (value_credits(short=True)), one for the page's four sections.
    monkeypatch.setattr(data, "value_credits", lambda keys, short=False: (
        [CHARTRES_SHORT] if short else list(CHARTRES_CREDITS)))
    whole = "Source : " + " ; ".join(CHARTRES_CREDITS)
    at = run_page("comparer", "grand-chalon")
    assert not at.exception
    # The short line, then the whole credits behind « Source complète ».
    assert source_lines(at)[:2] == ["Source : " + CHARTRES_SHORT, whole]
    at = run_page("carte", "grand-chalon", indicateur="median_income_eur_month")
    assert not at.exception
    tail = " · données 2019 · géographie prioritaire 2024"
    assert source_lines(at) == [f"Source : {CHARTRES_SHORT}{tail}", f"{whole}{tail}"]


def test_pockets_without_a_national_median_say_so_once(demo_db_path, tmp_path, monkeypatch) -> None:
    # Chambéry and Chartres: the limits box said « La base n'a pas de médiane nationale du niveau
    # de vie : le seuil S … est à saisir », then a second box « Médiane nationale du niveau de vie
    # absente de la base : saisissez le seuil S. ».
    import shutil

    import duckdb

    import config
    from indicators.pockets import FRANCE_CODE
    from tests.app.test_review_sources import run_page
    path = tmp_path / "no_median.duckdb"
    shutil.copy(demo_db_path, path)
    con = duckdb.connect(str(path))
    con.execute("delete from indicator_facts where territory_code = ?", [FRANCE_CODE])
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    at = run_page("poches", "demo")
    assert not at.exception
    boxes = [plain_spaces(i.value) for i in at.info]
    assert len(boxes) == 1 and "La base n'a pas de médiane nationale du niveau de vie" in boxes[0]


def test_the_comparison_of_quartiers_without_any_value_says_so_once(tmp_path, monkeypatch) -> None:
    # Chambéry (no figure loaded for its quartiers): three columns of « non disponible », then
    # « Aucun quartier n'a de valeur… » and « Aucun quartier n'a deux années… ».
    from tests.app.test_review_sources import run_page, small_db_with
    small_db_with(tmp_path, monkeypatch, "no_values.duckdb",
                  "update indicator_facts set status = 'secret', value = null "
                  "where territory_code = 'QN07101I'")
    at = run_page("comparer", "grand-chalon")
    assert not at.exception
    assert [plain_spaces(i.value) for i in at.info] == [
        "Aucune valeur d'indicateur n'est chargée pour les quartiers de ce territoire : il n'y a "
        "rien à comparer (voir « Données et méthode » pour charger les fichiers de l'Insee)."]
    assert not at.dataframe and not at.multiselect
    # A contract with values compares them as before.
    at = run_page("comparer", "demo")
    assert not at.exception
    assert list(at.dataframe[0].value["Quartier"]) == ["Les Tilleuls", "Vieux Puits - Paradis - Maunoury"]
    assert not [i for i in at.info if "Aucune valeur d'indicateur" in i.value]


def test_a_button_title_too_long_by_its_bracket_leaves_the_bracket_out() -> None:
    # « Télécharger « Portrait de quartier – Les Clos… » (CSV) »: « Les Clos » is the whole name,
    # only « (QN02802M) » did not fit; a title longer without its bracket is still cut at a word.
    from tests.app.test_pages import shown
    from ui.exports import table_button_label
    nb = "\u00a0"
    assert [shown(table_button_label(t, "CSV", limit=40)) for t in (
        "Portrait de quartier – Les Clos (QN02802M)",
        "Portrait de quartier – Bruxelles - Arcades - Béguines (QN02804M)",
        "Effectifs (en %)")] == [
        f"Télécharger « Portrait de quartier – Les Clos »{nb}(CSV)",
        f"Télécharger « Portrait de quartier – Bruxelles… »{nb}(CSV)",
        f"Télécharger « Effectifs (en %) »{nb}(CSV)"]
