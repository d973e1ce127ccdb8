#!/usr/bin/env python3
"""Build data/zones.geojson: hand-drawn, approximate control zones of Syria.

Usage (from the repository root):
    python3 data/tools/zones.py data/boundaries data/zones.geojson [NE_GOVERNORATES]

NE_GOVERNORATES defaults to ../shared/data/boundaries/syria-governorates-ne10m.geojson
(Natural Earth; only its "UNDOF area of separation (Golan)" polygon is used).

How the polygons are drawn
--------------------------
* The Syria outline is the OCHA country polygon (data/boundaries/country.geojson)
  simplified with Douglas-Peucker at 0.01 degrees (about 1 km). Every zone that
  touches the border uses this same simplified outline, cut at named points, so
  neighbouring zones share their border vertices exactly.
* Front lines are hand-placed polylines (the L_* lists below) drawn from
  shared/research/control-areas.md: rivers (Euphrates, Lake Assad), the M4
  highway, and the towns each source names. Each line is used by the zones on
  both of its sides, so zones of one date tile the country without gaps or
  overlaps except where overlap is meant (presence, deconfliction, buffer).
* The Israeli-held Golan follows the west edge of the Natural Earth "UNDOF area
  of separation (Golan)" polygon; the post-December-2024 Israeli buffer is that
  area widened about 2.5 km to the east and up the Syrian side of Mount Hermon.
* Southern Dar'a (Dec 2024) is the OCHA Dar'a outline simplified at 0.01 degrees.
* The Al-Tanf zone is a true circle (centre + 55 km radius); the geometry
  written is the 64-vertex polygon geo.Circle.Polygon would draw, the
  "circle" property is authoritative.
After building, the script checks that every ring is closed, simple (no
self-intersections), counter-clockwise (holes clockwise), and that named places
fall in the expected zone on the expected dates. Standard library only.
"""
import json
import math
import sys

# --------------------------------------------------------------------------
# sources (publisher/title/url/published of each report)
def S(publisher, url=None, title=None, published=None, note=None):
    d = {"publisher": publisher}
    if title: d["title"] = title
    if url: d["url"] = url
    if published: d["published"] = published
    if note: d["note"] = note
    return d
AJ_MAP = S("Al Jazeera (mirror at transcend.org)", "https://transcend.org/tms/2024/12/mapping-who-controls-what-in-syria",
           "Mapping who controls what in Syria", "2024-12-03", "baseline frozen since the March 2020 Idlib ceasefire")
AJ_11 = S("Al Jazeera (mirror at exbulletin.com)", "https://exbulletin.com/politics/2910254/", note="11-map timeline of the Nov-Dec 2024 offensive")
TEL = S("The Telegraph (via Yahoo News)", "https://ca.news.yahoo.com/mapped-rebel-held-areas-syria-221031410.html", note="maps of rebel-held areas")
HDN = S("Hurriyet Daily News", "https://www.hurriyetdailynews.com/syria-op-enters-sixth-day-as-turkish-forces-take-control-of-strategic-m4-highway-147476",
        published="2019-10-14", note="Peace Spring strip, south edge on the M4")
PGN = S("Political Geography Now", "https://polgeonow.com/2024/12/syria-war-map-2024-conflict-rebels-advance.html",
        note="6 Dec 2024: SDF takes Deir ez-Zor city and the west bank as the army withdraws")
DELIL = S("Delil24", "https://delil24.com/en/the-march-10-agreement-between-damascus-and-the-sdf-a-stalled-path-amid-the-turkish-position",
          note="SDF left the Deir ez-Zor west bank within about two days of 8 Dec 2024")
TRT = S("TRT World", "https://www.trtworld.com/article/18241513", note="SNA takes Manbij on 9 Dec 2024")
TEHRAN = S("Tehran Times (Reuters)", "https://www.tehrantimes.com/news/510833/Syria-s-interim-president-signs-deal-with-Kurdish-led-SDF-to",
           published="2025-03-11", note="10 March 2025 al-Sharaa-Abdi agreement")
SYDIR = S("Syria Direct", "https://syriadirect.org/sdf-damascus-agreement-in-aleppo-a-litmus-test/", published="2025-04-07",
          note="SDF forces left Sheikh Maqsoud and Ashrafieh (Aleppo) on 1 Apr 2025; not drawn at this scale")
# day-level sources for 27 Nov - 8 Dec 2024 (found by searching for the events; each says what it reports)
WP_ALEPPO = S("Wikipedia", "https://en.wikipedia.org/wiki/Battle_of_Aleppo_(2024)", "Battle of Aleppo (2024)",
              note="rebels entered the city on 29 Nov 2024 and by the end of 30 Nov held most of it, the citadel and the government headquarters")
I24_ALEPPO = S("i24NEWS", "https://www.i24news.tv/en/news/middle-east/levant-turkey/artc-anti-assad-forces-enter-aleppo-3-days-into-surprise-offensive",
               published="2024-11-29", note="rebels entered Aleppo on Friday 29 Nov and reached the central square amid fierce clashes")
MENAFN_ALEPPO = S("MENAFN (Azernews, relaying AFP and SOHR)", "https://menafn.com/1108941171/In-A-Surprise-Offensive-Insurgents-Breach-Syrias-Aleppo",
                  "In A Surprise Offensive, Insurgents Breach Syria's Aleppo", "2024-11-30",
                  note="SOHR: HTS and allied factions took control of most of the city, government centres and prisons")
TRT_TR = S("TRT World", "https://www.trtworld.com/article/18238738", published="2024-12-01",
           note="the SNA took full control of central Tel Rifaat on 1 Dec 2024 in Operation Dawn of Freedom")
SHAFAQ_TR = S("Shafaq News", "https://www.shafaq.com/en/World/Turkiye-aligned-factions-seize-Tel-Rifaat-in-Syria-s-Aleppo",
              "Turkiye-aligned factions seize Tel Rifaat in Syria's Aleppo", "2024-12-02", note="SOHR: the SNA took Tel Rifaat on Sunday 1 Dec")
WP_DAWN = S("Wikipedia", "https://en.wikipedia.org/wiki/Operation_Dawn_of_Freedom", "Operation Dawn of Freedom",
            note="from 30 Nov 2024 the SNA took Tadef, as-Safira, Khanasir and the Kuweires airbase (1 Dec), then Tel Rifaat")
DEV_HAMA = S("Devdiscourse (with agency inputs)", "https://www.devdiscourse.com/article/politics/3182959-syrian-insurgents-capture-key-city-of-hama-a-blow-to-assad",
             "Syrian Insurgents Capture Key City of Hama: A Blow to Assad", "2024-12-05", note="the army withdrew from Hama on 5 Dec 2024")
F24_HAMA = S("France 24 (via Hathalyoum)", "https://english.hathalyoum.net/articles/132619-syrian-rebels-enter-central-city-of-hama-in-latest",
             published="2024-12-06", note="the army said on Thursday 5 Dec that it had lost control of Hama and withdrawn")
FEDERAL_HOMS = S("The Federal", "https://thefederal.com/category/international/damascus-free-syrian-rebels-declare-president-assad-has-allegedly-fled-160298",
                 published="2024-12-08", note="HTS announced on the night of 7 Dec that its forces had entered Homs as the army retreated to the outskirts")
HINDU_HOMS = S("The Hindu (via webjosh.com)", "https://webjosh.com/article/syria-rebels-celebrate-in-captured-homs-set-sights-on-damascus-1733618600-6197",
               "Syria rebels celebrate in captured Homs, set sights on Damascus", "2024-12-08",
               note="the rebels announced full control of Homs early on Sunday 8 Dec after a day of fighting, as the army withdrew")
WION_DAM = S("WION", "https://www.wionews.com/world/damascus-falls-syrian-rebels-announce-capital-city-free-pm-says-ready-for-handover-782370",
             published="2024-12-08", note="the rebels declared Damascus free on 8 Dec 2024, hours after the fall of Homs; Assad had left")
# 2018-2019 snapshots
AJ_2018 = S("Al Jazeera (via Ya Libnan)", "http://yalibnan.com/2018/07/02/125725/", published="2018-07-02",
            note="maps of who controls what: Eastern Ghouta taken by the army on 12 Apr 2018, Afrin by Turkish troops and allied Syrian rebels; the FSA limited to Idlib province in the north-west; rebels in Daraa until the June 2018 offensive")
PGN_2016 = S("Political Geography Now", "https://www.polgeonow.com/2016/03/syrian-civil-war-control-map-april-2016.html",
             "Syrian Civil War Control Map: April 2016", "2016-03-31",
             note="the government retook Palmyra from ISIS and pushed it back at Qaryatayn; fighting at Deir ez-Zor; an ISIS presence near the Golan")
ANEWS_TR = S("A News", "https://www.anews.com.tr/americas/2024/12/01/syrian-national-army-liberates-tel-rifaat-from-pkkypg-in-operation-freedom-dawn",
             published="2024-12-01", note="the YPG, supported by Russian air strikes, seized Tel Rifaat and the villages around it in February 2016")
WP_RAQQA = S("Wikipedia", "https://en.wikipedia.org/wiki/Battle_of_Raqqa_(2017)", "Battle of Raqqa (2017)",
             note="the SDF took Raqqa from ISIS on 17 Oct 2017")
ALWAGHT_MAYADIN = S("Alwaght", "http://alwaght.com/en/news/113949/Syrian-Forces-Liberate-Strategic-City-of-Al-Mayadeen,-Inflict-Heavy-Losses-on-ISIS",
                    "Syrian Forces Liberate Strategic City of Al-Mayadeen, Inflict Heavy Losses on ISIS", "2017-10-14",
                    note="government forces took Mayadin on 14 Oct 2017, after breaking the siege of Deir ez-Zor on 5 Sep")
STORYFUL_DEZ = S("Yahoo News (Storyful)", "https://au.news.yahoo.com/video/watch/37732147/syrian-army-declares-deir-ezzor-free-from-islamic-state/",
                 "Syrian Army Declares Deir Ezzor Free From Islamic State", "2017-11-03",
                 note="the army and SOHR: Deir ez-Zor city fully retaken from ISIS on 3 Nov 2017")
ISW_2017 = S("Institute for the Study of War (via docslib.org)", "https://docslib.org/doc/2032072/syria-situation-report-september-27-october-10-2017",
             "Syria Situation Report: September 27 - October 10, 2017",
             note="the SDF preparing the final offensive on Raqqa; Turkey-backed opposition entering Idlib province on 7 Oct 2017")
AFP_BAGHOUZ = S("AFP (via BSS)", "http://www.bssnews.net/?p=185133", published="2019-03-23",
                note="the SDF declared the territorial defeat of ISIS at Al-Baghouz on 23 Mar 2019")
REUTERS_KHAN = S("Reuters (via news.trust.org)", "https://news.trust.org/item/20190820112343-72otg/",
                 "Syrian army tightens grip on key town after rebel withdrawal", "2019-08-20",
                 note="government forces entered Khan Sheikhoun, in rebel hands since 2014; SOHR: rebels withdrew from their last territory in Hama province")
ALARABIYA_KHAN = S("Al Arabiya", "http://english.alarabiya.net/en/News/middle-east/2019/08/20/Anti-Assad-fighters-withdraw-from-Khan-Sheikhoun-Syrian-observatory.html",
                   published="2019-08-20", note="SOHR: anti-Assad fighters withdrew from Khan Sheikhoun and northern Hama on 20 Aug 2019")
SHAFAQ_T = S("Shafaq News", "https://www.shafaq.com/en/World/Damascus-takes-over-Tishrin-Dam-from-SDF-after-agreement", published="2025-04-09",
             note="Tishrin Dam handed to a joint/government force, Apr 2025")
ETANA = S("ETANA Syria", "https://etanasyria.org/brief-raqqa-deir-ezzor-fall-to-interim-authorities",
          note="Deir Hafer-Maskanah, the SDF's 'last foothold in eastern Aleppo'; Raqqa and Deir ez-Zor fall to the interim authorities, Jan 2026")
QAIM = S("Wikipedia", "https://en.wikipedia.org/wiki/Al-Qa%27im_border_crossing", "Al-Qa'im border crossing", note="reopened by Iraq on 14 Jun 2025")
LWJ = S("FDD's Long War Journal", "https://longwarjournal.org/archives/2025/04/american-troops-train-syrian-free-army-at-tanf-garrison-as-us-weighs-next-moves-in-syria.php",
        "American troops train Syrian Free Army at Tanf garrison as US weighs next moves in Syria", "2025-04-16",
        "Syrian Free Army still patrolling the 55 km deconfliction zone in Apr 2025")
WP_TANF = S("Wikipedia", "https://en.wikipedia.org/wiki/Al-Tanf", "Al-Tanf", note="US garrison with the Syrian Free Army since 2016 inside a 55 km deconfliction zone")
PATURKEY = S("PA Turkey", "https://www.paturkey.com/news/2026/us-withdraws-from-al-tanf-as-syrias-new-leadership-consolidates-control-27768",
             note="US forces reported leaving Al-Tanf around 11-12 Feb 2026, government forces taking over")
SF_TANF = S("SouthFront (relaying SOHR)", "https://maps.southfront.press/fearing-iranian-strikes-u-s-handed-over-strategic-al-tanf-base-to-syrian-government-forces",
            note="Feb 2026 hand-over of Al-Tanf; SouthFront is a low-credibility outlet, used only as a second report of the same event")
VOA = S("Voice of America", "https://voa.pangea-cms.com/preview/en-US/a/new-details-emerge-on-israel-s-actions-in-syrian-buffer-zone-change-in-us-position/7906679.html",
        note="Israel holds the UNDOF area of separation (75 km long, 10 km to 200 m wide), at least 10 positions by 15 Dec 2024")
DEEPNEWZ = S("deepnewzmarket.com", "https://deepnewzmarket.com/markets/what-will-be-the-international-diplomatic-response-to-israels-presence-in-the-mount-hermon-buffer-zone-by-december-31-2025",
             note="about 400 km2 in all, incursions up to ~14 km into Syria; a prediction-market page, weak source")
NE_UNDOF = {"publisher": "Natural Earth", "title": "Admin 1 - States, Provinces 1:10m (UNDOF area of separation polygon, ne_adm1_code SYR-5261)",
            "url": "https://www.naturalearthdata.com/", "note": "its west edge is the line held by Israel since 1974"}
LWJ_SUW = S("FDD's Long War Journal", published="2025-07-15", note="Druze-Bedouin clashes from 13 Jul 2025; government forces entered Suwayda 14-16 Jul, then withdrew after a ceasefire and Israeli strikes (no URL known)")
AJ_SUW = S("Al Jazeera (mirror at ckh.enc.edu)", "https://ckh.enc.edu/?p=9134", note="'National Guard' loyal to Sheikh Hikmat al-Hijri formed late Aug 2025; checkpoints up to Umm al-Zaytoun")
EUSAYS = S("europesays.com", "https://www.europesays.com/2305084", note="Aug 2025: government forces and Bedouin tribes hold parts of the western countryside (Tal Hadid, Tha'la; aid corridor from Bosra al-Sham)")
WP_2026 = S("Wikipedia", "https://en.wikipedia.org/wiki/2026_northeastern_Syria_offensive", "2026 northeastern Syria offensive")
ECOI = S("ACCORD / ecoi.net", "https://www.ecoi.net/en/document/2135744.html")
AJ_0118 = S("Al Jazeera", "https://www.aljazeera.com/news/2026/1/18/syrian-army-advances-on-sdf-stronghold-of-raqqa-whats-the-latest",
            "Syrian army advances on SDF stronghold of Raqqa: what's the latest", "2026-01-18")
FMT = S("Free Malaysia Today (AFP)", "https://www.freemalaysiatoday.com/category/world/2026/01/19/syrias-leader-agrees-truce-with-kurds-after-govt-troops-advance",
        published="2026-01-19", note="18 Jan 2026 ceasefire: SDF to withdraw east of the Euphrates and to Al-Hasakah governorate")
SYROBS = S("The Syrian Observer", "https://syrianobserver.com/uncategorized/kurdish-sdf-chief-deal-with-damascus-prevents-further-bloodshed.html", published="2026-01-19")
ST_0120 = S("The Straits Times (Reuters)", "https://www.straitstimes.com/world/middle-east/syria-says-120-islamic-state-detainees-escaped-prison-kurdish-website-said-1500-escaped",
            published="2026-01-20", note="the SDF agreed on 18 Jan to withdraw from Raqqa and Deir ez-Zor; army units entered Shaddadi on 19-20 Jan")
SOUTHFRONT_KOB = S("SouthFront (via brighteon.com)", "https://www.brighteon.com/a0442c3d-7566-418a-91d8-53d2a14d0fab",
                   note="29 Jan 2026: SDF reduced to 'a pocket around the town of Kobani ... and half of al-Hasakah'; low-credibility outlet, used only for this outline")
K24 = S("Kurdistan24", "https://www.kurdistan24.net/en/story/889969", note="26-27 Jan 2026 clashes south-east of Kobani; government takes al-Safa town in eastern Al-Hasakah countryside")
OKAZ = S("Okaz", "https://www.okaz.com.sa/politics/na/2233474", published="2026-01-30", note="30 Jan 2026 comprehensive agreement")
PLEDGE = S("Pledge Times (relaying Sky News Arabia)", "https://pledgetimes.com/russian-forces-have-launched-a-large-scale-military-operation-against-isis-remnants-in-syria/",
           published="2022-05-21", note="ISIS cells on 4,000 km2 from Jabal Abu Rajmin NE of Palmyra to the Deir ez-Zor desert and the Sukhna desert, next to the north of As-Suwayda governorate")
SOHR_4000 = {"publisher": "Syrian Observatory for Human Rights",
             "title": "ISIS resurgence in Syria | Clear messages, \u201cIslamic State\u201d is still alive and kicking, despite its considerable losses",
             "url": "https://www.syriahr.com/en/234042/",
             "note": "ISIS deployed in some 4,000 km2 scattered in the desert from Jabal Abu Rajmayn (NE of Palmyra) to the Deir Ezzor desert and western countryside, Al-Sukhnah desert and north of the Al-Suwaidaa border; undated copy, written early 2022"}
NEWLINES = S("Newlines Institute", "https://newlinesinstitute.org/nonstate-actors/transnational-criminal-networks/strengthening-and-expanding-isis-central-syria-campaign",
             note="Aug 2020: cells in the mountains north of Palmyra and Sukhnah, south Raqqa countryside, desert west of the Euphrates")
ALMON = S("Al-Monitor", "https://www.al-monitor.com/originals/2020/09/syria-desert-islamic-state-attacks-regime-russia.html",
          note="Sept 2020 SOHR list of attack areas: al-Shula, Abu Kamal desert, Deir ez-Zor-Mayadin road, Hamima-T3 road, Rusafa, Ithriya, Suwayda desert")
SF_PALMYRA = {"publisher": "SouthFront", "title": "ISIS Has Resurfaced In Central Syria", "url": "https://maps.southfront.press/isis-has-resurfaced-in-central-syria",
              "note": "relays SOHR, 24 Apr 2025: ISIS checkpoint near Palmyra, militants withdrew to Jazal; undated copy; low-credibility outlet"}

# --------------------------------------------------------------------------
# geometry helpers

def dp(pts, tol):
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    st = [(0, len(pts) - 1)]
    while st:
        i, j = st.pop()
        ax, ay = pts[i]; bx, by = pts[j]
        dx, dy = bx - ax, by - ay
        L = math.hypot(dx, dy)
        best, bi = -1, None
        for k in range(i + 1, j):
            px, py = pts[k]
            d = abs(dx * (ay - py) - dy * (ax - px)) / L if L > 0 else math.hypot(px - ax, py - ay)
            if d > best:
                best, bi = d, k
        if bi is not None and best > tol:
            keep[bi] = True
            st += [(i, bi), (bi, j)]
    return [p for p, k in zip(pts, keep) if k]


def r5(p):
    return [round(p[0], 5), round(p[1], 5)]


def signed_area(r):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(r, r[1:])) / 2


def segs_cross(p1, p2, p3, p4):
    def o(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return 0 if abs(v) < 1e-14 else (1 if v > 0 else -1)
    o1, o2, o3, o4 = o(p1, p2, p3), o(p1, p2, p4), o(p3, p4, p1), o(p3, p4, p2)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    return False


def check_simple(rings, what):
    segs = []
    for ri, r in enumerate(rings):
        if r[0] != r[-1] or len(r) < 4:
            sys.exit(f"{what}: ring {ri} not closed or too short")
        if len(set(map(tuple, r[:-1]))) != len(r) - 1:
            dup = [p for p in r[:-1] if r[:-1].count(p) > 1]
            sys.exit(f"{what}: ring {ri} repeats a vertex {dup[:2]}")
        segs += [(ri, i, r[i], r[i + 1], len(r) - 1) for i in range(len(r) - 1)]
    for a in range(len(segs)):
        for b in range(a + 1, len(segs)):
            ra, ia, p1, p2, na = segs[a]
            rb, ib, p3, p4, nb = segs[b]
            if ra == rb and (abs(ia - ib) == 1 or abs(ia - ib) == na - 1):
                continue
            if segs_cross(p1, p2, p3, p4):
                sys.exit(f"{what}: self-intersection between ring {ra} seg {ia} {p1}-{p2} and ring {rb} seg {ib} {p3}-{p4}")


def orient(rings):
    out = []
    for i, r in enumerate(rings):
        a = signed_area(r)
        if (i == 0) != (a > 0):
            r = list(reversed(r))
        out.append(r)
    return out


def in_ring(pt, ring):
    x, y = pt
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_poly(pt, rings):
    return in_ring(pt, rings[0]) and not any(in_ring(pt, h) for h in rings[1:])


def haversine(a, b):
    R = 6371008.8
    la1, la2 = math.radians(a[1]), math.radians(b[1])
    dla, dlo = la2 - la1, math.radians(b[0] - a[0])
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def circle_polygon(c, radius, n=64):
    # as orb/geo PointAtBearingAndDistance, bearings walked backwards (CCW)
    R = 6371008.8
    lat1, lon1 = math.radians(c[1]), math.radians(c[0])
    d = radius / R
    ring = []
    for i in range(n):
        br = math.radians(360 - i * 360 / n)
        lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(br))
        lon2 = lon1 + math.atan2(math.sin(br) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2))
        ring.append([math.degrees(lon2), math.degrees(lat2)])
    ring.append(ring[0])
    return ring


# --------------------------------------------------------------------------
# the outline and its cut points

def load_outline(bdir):
    c = json.load(open(f"{bdir}/country.geojson", encoding="utf-8"))["features"][0]["geometry"]["coordinates"]
    ring = max((p[0] for p in c), key=len)
    s = dp(ring[:-1], 0.01)
    return [r5(p) for p in s]


class Outline:
    def __init__(self, pts):
        self.pts = pts  # open ring, CCW

    def cut(self, p):
        """Insert the projection of p on the nearest outline segment; return it."""
        best = None
        n = len(self.pts)
        for i in range(n):
            a, b = self.pts[i], self.pts[(i + 1) % n]
            dx, dy = b[0] - a[0], b[1] - a[1]
            L = dx * dx + dy * dy
            t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / L))
            q = [a[0] + t * dx, a[1] + t * dy]
            d = math.hypot(q[0] - p[0], q[1] - p[1])
            if best is None or d < best[0]:
                best = (d, i, t, q)
        d, i, t, q = best
        if t <= 1e-9:
            return self.pts[i]
        if t >= 1 - 1e-9:
            return self.pts[(i + 1) % n]
        q = r5(q)
        self.pts.insert(i + 1, q)
        return q

    def vertex(self, p):
        """The existing outline vertex nearest to p."""
        return min(self.pts, key=lambda v: math.hypot(v[0] - p[0], v[1] - p[1]))

    def path(self, a, b):
        """Outline vertices from a to b inclusive, in ring (CCW) order."""
        n = len(self.pts)
        i, j = self.pts.index(a), self.pts.index(b)
        out = [self.pts[i]]
        while i != j:
            i = (i + 1) % n
            out.append(self.pts[i])
        return out


def rev(line):
    return list(reversed(line))


def chain(*parts):
    """Join polylines end to start (shared end points once) into a closed ring."""
    ring = []
    for p in parts:
        p = [list(v) for v in p]
        if ring and ring[-1] == p[0]:
            p = p[1:]
        elif ring:
            sys.exit(f"chain: gap between {ring[-1]} and {p[0]}")
        ring += p
    if ring[0] != ring[-1]:
        sys.exit(f"chain: ring not closed {ring[0]} .. {ring[-1]}")
    return ring


def sub(line, a, b):
    """Part of a polyline from vertex a to vertex b (either direction)."""
    i, j = line.index(a), line.index(b)
    return line[i:j + 1] if i <= j else rev(line[j:i + 1])


def main(bdir, out):
    O = Outline(load_outline(bdir))
    ne = {f["properties"]["name_en"]: f for f in json.load(open(NE_PATH, encoding="utf-8"))["features"]}
    govs = {f["properties"]["name"]: f for f in json.load(open(f"{bdir}/governorates.geojson", encoding="utf-8"))["features"]}

    # ---- cut points on the border (ring order: Tigris, west along Turkey, Hatay, coast, Lebanon, Golan, Jordan, Iraq)
    TIGRIS = O.pts[0]
    C_HOL = O.cut([41.36, 36.45])          # Iraqi border north of al-Hol (Jan 2026 line)
    C_PS_E = O.cut([40.17, 36.88])         # Peace Spring strip, just east of Ras al-Ain
    C_PS_W = O.cut([38.80, 36.71])         # Peace Spring strip, just west of Tel Abyad
    C_KOB_E = O.cut([38.60, 36.82])        # Kobani pocket (Jan 2026)
    C_KOB_W = O.cut([38.15, 36.88])
    C_EUPH = O.cut([38.03, 36.84])         # Euphrates enters Syria at Jarabulus
    C31 = O.vertex([36.666, 36.330])       # Atmeh: Afrin pocket / Idlib pocket on the Turkish border
    C41 = O.vertex([36.169, 35.815])       # Latakia hills: south-west end of the Idlib pocket
    B_N = O.vertex([35.949, 33.473])       # Syrian side of Mount Hermon (buffer NE corner)
    C_WB_IQ = O.cut([40.92, 34.37])        # Iraqi border south of Abu Kamal (Dec 2024 SDF west-bank strip)
    C_EUPH_IQ = O.cut([41.00, 34.42])      # Euphrates leaves Syria between Abu Kamal and Al-Baghouz

    # ---- the Golan: west edge of the Natural Earth UNDOF area of separation = line held by Israel since 1974
    und = ne["UNDOF area of separation (Golan)"]["geometry"]["coordinates"][0]
    tip = und.index([35.87009, 33.43124])
    west = und[tip:]                        # north tip -> south tip (ring returns to start = south tip)
    west = dp(west, 0.005)
    # drop the Hermon salient where the line leaves the simplified outline (north of ~33.33)
    ol = O.pts + [O.pts[0]]
    k = next(i for i, p in enumerate(west) if p[1] < 33.33 and in_ring(p, ol))
    west = west[k:]
    G_N = O.cut(west[0])
    G_S = O.cut(west[-1])
    golan_east = [G_N] + [r5(p) for p in west[1:-1]] + [G_S]   # north -> south
    east = dp(und[:tip + 1], 0.005)        # UNDOF east edge, south tip -> north tip
    B_S = O.cut([35.85, 32.73])
    buf_east = [B_S] + [r5([p[0] + 0.025, p[1]]) for p in east[2:-1]] + [[35.91, 33.445], B_N]   # south -> north

    # ---- Dar'a (southern factions, ~6 Dec 2024): OCHA Dar'a outline, non-border part, simplified
    dr = govs["Dar'a"]["geometry"]["coordinates"][0]
    dline = dp(dr[1810:] + dr[:1697], 0.01)   # from the Jordan border (east end) round the north to the Yarmouk (west end)
    D_E = O.cut(dline[0])
    daraa_line = [D_E] + [r5(p) for p in dline[1:-1]] + [G_S]   # east -> west; ends on the Golan's south tip

    # ---- front lines (lon, lat), canonical directions
    SAJ, ARIMA, TISHRIN = [38.05, 36.68], [37.80, 36.50], [38.18, 36.38]
    TR_W, TR_NE, IJ = [37.02, 36.46], [37.18, 36.52], [36.86, 36.29]
    DH_N, DH_S, W_TABQA, LK3 = [38.21, 36.28], [38.35, 35.80], [38.35, 35.93], [38.20, 35.95]
    RJ, RD, PSE_S = [39.80, 35.58], [40.05, 35.42], [40.17, 36.62]
    L_EUPH_N = [C_EUPH, SAJ, [38.22, 36.55], TISHRIN]                       # Euphrates Jarabulus -> Tishrin Dam
    L_SNA_MANBIJ = [SAJ, [37.95, 36.62], ARIMA]                             # Sajur river: SNA | Manbij district
    L_MANBIJ_S = [ARIMA, [37.78, 36.40], [37.95, 36.36], TISHRIN]           # Manbij district south edge
    L_SNA_GOV_E = [ARIMA, [37.65, 36.36], [37.52, 36.32], [37.40, 36.36], [37.28, 36.45], TR_NE]  # south of al-Bab
    L_TR_N = [TR_W, [37.10, 36.54], TR_NE]                                  # Tal Rifaat pocket, north side
    L_TR_S = [TR_W, [37.05, 36.40], [37.15, 36.40], [37.22, 36.46], TR_NE]  # Tal Rifaat pocket, south side
    L_AFRIN_S = [TR_W, [36.95, 36.36], IJ]
    L_IDLIB_N = [IJ, [36.76, 36.32], C31]
    L_IDLIB_E = [IJ, [36.95, 36.20], [36.90, 36.12], [36.84, 36.03], [36.80, 35.93], [36.74, 35.85],
                 [36.60, 35.77], [36.42, 35.74], [36.25, 35.74], C41]      # west of the M5, south of the M4
    L_LAKE = [TISHRIN, DH_N, [38.22, 36.20], [38.15, 36.05], LK3, W_TABQA]  # Euphrates / Lake Assad west shore
    L_DH = [DH_N, [38.05, 36.25], [37.85, 36.22], [37.78, 36.10], [37.90, 35.93], [38.10, 35.85], DH_S]  # Deir Hafer-Maskanah pocket
    L_SOUTHBANK = [W_TABQA, DH_S, [38.60, 35.72], [38.85, 35.77], [39.20, 35.78], [39.50, 35.70], RJ]  # south of the river, Raqqa gov.
    L_RIVER_S = [RJ, [39.90, 35.50], RD, [40.14, 35.35], [40.22, 35.31], [40.33, 35.18], [40.45, 35.04],
                 [40.48, 35.01], [40.60, 34.85], [40.78, 34.62], [40.90, 34.52], [40.944, 34.458], [40.96, 34.44], C_EUPH_IQ]  # Euphrates to Iraq
    L_DEZ_WB = [RD, [40.02, 35.33], [40.15, 35.25], [40.35, 35.05], [40.45, 34.93], [40.70, 34.65], [40.88, 34.42], C_WB_IQ]  # west-bank villages
    L_PS = [C_PS_E, PSE_S, [40.00, 36.55], [39.60, 36.46], [39.20, 36.42], [38.80, 36.45], C_PS_W]      # Peace Spring strip, M4
    L_H1 = [C41, [36.25, 35.74], [36.30, 35.40], [36.42, 35.12], [36.60, 34.98], [36.73, 34.92], [36.95, 34.98],
            [37.15, 35.10], [37.30, 35.40], [37.55, 35.68], [37.85, 35.88], LK3]   # rebel area ~6 Dec 2024: Ghab, Rastan, east Hama/Aleppo
    L_J_HAS = [PSE_S, [40.35, 36.55], [40.55, 36.50], [40.74, 36.47], [40.85, 36.46], [41.10, 36.44], C_HOL]  # Jan 2026, south of Al-Hasakah
    L_J_KOB = [C_KOB_E, [38.52, 36.74], [38.35, 36.70], [38.20, 36.75], C_KOB_W]
    TR_POCKET = chain(L_TR_N, rev(L_TR_S))
    # Druze zone (from Jul 2025), a hole in the government zone: Jabal al-Arab from Umm al-Zaytoun/Shahba
    # in the north to south of Salkhad, east of the western countryside (Tal Hadid, Tha'la) held by the government
    DRUZE = [[36.56, 32.93], [36.52, 32.80], [36.53, 32.66], [36.56, 32.52], [36.62, 32.42], [36.76, 32.40],
             [36.90, 32.50], [36.93, 32.68], [36.85, 32.85], [36.70, 32.95], [36.56, 32.93]]

    # Day-level HTS-led fronts of the Nov-Dec 2024 offensive, each from the Latakia hills (C41) to Lake Assad (LK3)
    # like L_H1 (~5-6 Dec), through the places the day's reports name:
    L_H_NOV27 = [IJ, [37.02, 36.22], [37.00, 36.08], [36.92, 35.95], [36.80, 35.85], [36.60, 35.77],
                 [36.42, 35.74], [36.25, 35.74], C41]                      # 27-29 Nov: Idlib pocket + western Aleppo countryside, Aleppo city outside
    L_H_NOV30 = [C41, [36.25, 35.74], [36.30, 35.45], [36.50, 35.35], [36.70, 35.28], [36.95, 35.28], [37.15, 35.32],
                 [37.30, 35.40], [37.55, 35.68], [37.85, 35.88], LK3]      # 30 Nov-4 Dec: Aleppo taken, the front north of Hama
    L_H_DEC7 = [C41, [36.25, 35.74], [36.30, 35.40], [36.42, 35.12], [36.48, 34.80], [36.58, 34.62], [36.80, 34.62],
                [36.95, 34.80], [37.15, 35.10], [37.30, 35.40], [37.55, 35.68], [37.85, 35.88], LK3]   # 7 Dec: Homs entered
    # 2018 - Aug 2019: the Idlib pocket before the government took Khan Sheikhoun and northern Hama (20-23 Aug 2019):
    # south Idlib (Maarat al-Numan, Khan Sheikhoun) and the northern Hama salient (Latamina, Kafr Zita, Morek)
    L_IDLIB_2018 = [IJ, [36.95, 36.20], [37.00, 36.05], [36.95, 35.85], [36.85, 35.60], [36.72, 35.36],
                    [36.55, 35.33], [36.38, 35.45], [36.25, 35.70], C41]
    # late Oct - early Nov 2017: the Idlib pocket reached east of the M5 (Abu al-Duhur), and ISIS held the Euphrates
    # valley below Mayadin (west bank) and below al-Omar (east bank) to Abu Kamal and the Iraqi border
    L_IDLIB_2017 = [IJ, [37.05, 36.15], [37.20, 35.95], [37.15, 35.70], [36.95, 35.45], [36.72, 35.36],
                    [36.55, 35.33], [36.38, 35.45], [36.25, 35.70], C41]
    RV17 = [40.48, 35.01]                                             # a vertex of L_RIVER_S, below Mayadin
    C_IS17 = O.cut([41.25, 35.05])                                    # the Iraqi border east of al-Omar
    L_IS17_N = [C_IS17, [40.95, 35.05], [40.62, 35.12], RV17]         # SDF (north) | ISIS, east bank
    L_IS17_W = [RV17, [40.30, 34.80], [40.40, 34.50], [40.65, 34.30], C_WB_IQ]   # government (west) | ISIS, west bank
    C_AZ = O.cut([36.98, 36.66])                                      # the Turkish border between Afrin and Azaz
    L_AFRIN_E = [TR_NE, [37.10, 36.58], [37.00, 36.62], C_AZ]         # SDF Afrin and Tal Rifaat | Euphrates Shield
    GHOUTA = [[36.36, 33.52], [36.44, 33.47], [36.56, 33.48], [36.60, 33.58], [36.52, 33.63], [36.42, 33.60], [36.36, 33.52]]
    # April - May 2016 (after Palmyra and Qaryatayn, before the SDF's Manbij offensive of June 2016)
    C_RAI = O.cut([37.25, 36.67])                                     # the Turkish border: rebel Azaz strip | ISIS
    C16_IQ = O.cut([41.30, 35.98])                                    # the Iraqi border south of al-Shaddadi
    L16_AZ_W = [C_AZ, [36.97, 36.55], [37.05, 36.52], [37.10, 36.54], TR_NE]   # SDF Afrin and Tal Rifaat | rebel Azaz strip
    L16_AZ_E = [C_RAI, [37.25, 36.58], TR_NE]                         # rebel Azaz strip | ISIS
    L16_ISW_S = [TR_NE, [37.40, 36.30], [37.50, 36.25], [37.65, 36.25], [37.75, 36.10], [38.00, 35.90], LK3]  # government | ISIS, al-Bab - Maskanah
    L16_SDF_S = [TISHRIN, [38.50, 36.35], [38.85, 36.30], [39.30, 36.30], [39.80, 36.35], [40.20, 36.30],
                 [40.60, 35.95], [41.10, 35.90], C16_IQ]              # SDF | ISIS, Sarrin - Ain Issa - al-Shaddadi
    L16_NW = [IJ, [37.05, 36.25], [37.15, 36.23], [37.20, 36.18], [37.15, 36.12], [37.00, 35.98], [37.10, 35.75],
              [36.95, 35.45], [36.72, 35.36], [36.55, 35.33], [36.38, 35.45], [36.25, 35.70], C41]   # rebel north-west with east Aleppo
    DZ_ENCLAVE = [[40.05, 35.25], [40.10, 35.20], [40.20, 35.22], [40.22, 35.33], [40.12, 35.36], [40.05, 35.25]]
    B = O.path
    # ---- the Al-Tanf 55 km zone is cut out of the Assad government's ground: the sources describe a zone held by
    # the US garrison and the Syrian Free Army that government forces did not enter. The arc is the circle's
    # 256-gon inside the outline, walked clockwise round the base from the Jordanian border to the Iraqi one.
    circ = circle_polygon(*ZONES["us-coalition-al-tanf-55km"]["circle"], n=256)[:-1]
    ring_closed = O.pts + [O.pts[0]]
    inside = [in_ring(p, ring_closed) for p in circ]
    k0 = next(i for i in range(len(circ)) if inside[i] and not inside[i - 1])
    run, k = [], k0
    while inside[k % len(circ)]:
        run.append(r5(circ[k % len(circ)]))
        k += 1
    T_IQ, T_JO = O.cut(circ[k0 - 1]), O.cut(circ[k % len(circ)])
    TANF_ARC = [T_JO] + rev(run) + [T_IQ]
    def BT(a, b):
        """The outline from a to b with the Al-Tanf zone cut out (a before the Jordanian crossing, b after the Iraqi one)."""
        first = B(a, T_JO)
        if T_IQ in first:
            sys.exit("Al-Tanf cut: the crossings are not in ring order")
        return first[:-1] + TANF_ARC + B(T_IQ, b)[1:]
    # ---- assemble the rings --------------------------------------------------------------
    Z = {}
    sdf_core_0 = chain(B(TIGRIS, C_PS_E), L_PS, B(C_PS_W, C_EUPH), sub(L_EUPH_N, C_EUPH, SAJ), L_SNA_MANBIJ, L_MANBIJ_S,
                       L_LAKE, L_SOUTHBANK, L_RIVER_S, B(C_EUPH_IQ, TIGRIS))
    Z["sdf-2020-03"] = [[sdf_core_0], [TR_POCKET]]
    Z["sdf-2024-12"] = [[chain(B(TIGRIS, C_PS_E), L_PS, B(C_PS_W, C_EUPH), sub(L_EUPH_N, C_EUPH, SAJ), L_SNA_MANBIJ, L_MANBIJ_S,
                               L_LAKE, L_SOUTHBANK, sub(L_RIVER_S, RJ, RD), L_DEZ_WB, B(C_WB_IQ, TIGRIS))]]
    Z["sdf-2025"] = [[chain(B(TIGRIS, C_PS_E), L_PS, B(C_PS_W, C_EUPH), L_EUPH_N, sub(L_LAKE, TISHRIN, DH_N), L_DH,
                            sub(L_SOUTHBANK, DH_S, RJ), L_RIVER_S, B(C_EUPH_IQ, TIGRIS))]]
    Z["sdf-2026-01"] = [[chain(B(TIGRIS, C_PS_E), sub(L_PS, C_PS_E, PSE_S), L_J_HAS, B(C_HOL, TIGRIS))],
                        [chain(B(C_KOB_E, C_KOB_W), rev(L_J_KOB))]]
    # SNA: north Aleppo pocket + Peace Spring strip
    ps_strip = chain(B(C_PS_E, C_PS_W), rev(L_PS))
    Z["sna-2020-03"] = [[chain(B(C_EUPH, C31), rev(L_IDLIB_N), rev(L_AFRIN_S), L_TR_N, rev(L_SNA_GOV_E), rev(L_SNA_MANBIJ),
                               sub(L_EUPH_N, SAJ, C_EUPH))], [ps_strip]]
    Z["sna-2024-12"] = [[chain(B(C_EUPH, C31), rev(L_IDLIB_N), rev(L_AFRIN_S), L_TR_S, rev(L_SNA_GOV_E), rev(L_SNA_MANBIJ),
                               sub(L_EUPH_N, SAJ, C_EUPH))], [ps_strip]]
    Z["sna-2025"] = [[chain(B(C_EUPH, C31), rev(L_IDLIB_N), rev(L_AFRIN_S), L_TR_S, rev(L_SNA_GOV_E), L_MANBIJ_S,
                            rev(L_EUPH_N))], [ps_strip]]
    # HTS
    Z["hts-2020-03"] = [[chain(B(C31, C41), rev(L_IDLIB_E), L_IDLIB_N)]]
    def hts_front(line):
        return [[chain(B(C31, C41), line, sub(L_LAKE, LK3, TISHRIN), rev(L_MANBIJ_S), L_SNA_GOV_E, rev(L_TR_S),
                       L_AFRIN_S, L_IDLIB_N)]]
    Z["hts-2024-11-27"] = [[chain(B(C31, C41), rev(L_H_NOV27), L_IDLIB_N)]]
    Z["hts-2024-11-30"] = hts_front(L_H_NOV30)
    Z["hts-2024-12"] = hts_front(L_H1)
    Z["hts-2024-12-07"] = hts_front(L_H_DEC7)
    Z["sdf-2024-12-01"] = [[sdf_core_0]]
    # 2018-2019: before the Peace Spring strip (Oct 2019) the SDF held the whole border east of the Euphrates
    Z["sdf-2018"] = [[chain(B(TIGRIS, C_EUPH), sub(L_EUPH_N, C_EUPH, SAJ), L_SNA_MANBIJ, L_MANBIJ_S,
                            L_LAKE, L_SOUTHBANK, L_RIVER_S, B(C_EUPH_IQ, TIGRIS))], [TR_POCKET]]
    Z["sna-2018"] = [[chain(B(C_EUPH, C31), rev(L_IDLIB_N), rev(L_AFRIN_S), L_TR_N, rev(L_SNA_GOV_E), rev(L_SNA_MANBIJ),
                            sub(L_EUPH_N, SAJ, C_EUPH))]]
    Z["hts-2018"] = [[chain(B(C31, C41), rev(L_IDLIB_2018), L_IDLIB_N)]]
    Z["southern-opposition-2018"] = [[chain(B(G_S, D_E), daraa_line)]]
    Z["assad-government-2018"] = [[chain(B(C41, G_N), golan_east, rev(daraa_line), BT(D_E, C_EUPH_IQ), rev(L_RIVER_S),
                                         rev(L_SOUTHBANK), rev(L_LAKE), rev(L_MANBIJ_S), L_SNA_GOV_E, rev(L_TR_S), L_AFRIN_S, L_IDLIB_2018)]]
    Z["assad-government-2019"] = [[chain(B(C41, G_N), golan_east, BT(G_S, C_EUPH_IQ), rev(L_RIVER_S),
                                         rev(L_SOUTHBANK), rev(L_LAKE), rev(L_MANBIJ_S), L_SNA_GOV_E, rev(L_TR_S), L_AFRIN_S, L_IDLIB_2018)]]
    # the government | ISIS desert front of 2016 leaves the Al-Tanf zone at its northernmost point (A_N); ISIS holds
    # the Iraqi border north of the zone and borders it along the arc from A_N to the Iraqi border
    k_n = max(range(len(TANF_ARC)), key=lambda i: TANF_ARC[i][1])
    A_N = TANF_ARC[k_n]
    L16_GOV_IS = [A_N, [38.70, 34.35], [38.40, 34.60], [38.50, 34.90],
                  [38.10, 35.10], [37.60, 35.30], [37.50, 35.60], [37.90, 35.80], LK3]
    Z["isis-2016"] = [[chain(B(C_EUPH, C_RAI), L16_AZ_E, L16_ISW_S, rev(L16_GOV_IS), TANF_ARC[k_n:], B(T_IQ, C16_IQ),
                             rev(L16_SDF_S), rev(L_EUPH_N)), DZ_ENCLAVE]]
    Z["sdf-2016"] = [[chain(B(TIGRIS, C_EUPH), L_EUPH_N, L16_SDF_S, B(C16_IQ, TIGRIS))],
                     [chain(B(C_AZ, C31), rev(L_IDLIB_N), rev(L_AFRIN_S), L_TR_S, rev(L16_AZ_W))]]
    Z["syrian-opposition-2016"] = [[chain(B(C31, C41), rev(L16_NW), L_IDLIB_N)],
                                   [chain(B(C_RAI, C_AZ), L16_AZ_W, rev(L16_AZ_E))], [GHOUTA]]
    Z["southern-opposition-2016"] = [[chain(B(G_S, D_E), daraa_line)]]
    Z["assad-government-2016"] = [[chain(B(C41, G_N), golan_east, rev(daraa_line), B(D_E, T_JO)[:-1] + TANF_ARC[:k_n + 1], L16_GOV_IS,
                                         rev(L16_ISW_S), rev(L_TR_S), L_AFRIN_S, L16_NW), GHOUTA], [DZ_ENCLAVE]]
    Z["isis-2017"] = [[chain(B(C_WB_IQ, C_IS17), L_IS17_N, L_IS17_W)]]
    Z["sdf-2017"] = [[chain(B(TIGRIS, C_EUPH), sub(L_EUPH_N, C_EUPH, SAJ), L_SNA_MANBIJ, L_MANBIJ_S, L_LAKE, L_SOUTHBANK,
                            sub(L_RIVER_S, RJ, RV17), rev(L_IS17_N), B(C_IS17, TIGRIS))],
                     [chain(B(C_AZ, C31), rev(L_IDLIB_N), rev(L_AFRIN_S), L_TR_S, L_AFRIN_E)]]
    Z["sna-2017"] = [[chain(B(C_EUPH, C_AZ), rev(L_AFRIN_E), rev(L_SNA_GOV_E), rev(L_SNA_MANBIJ), sub(L_EUPH_N, SAJ, C_EUPH))]]
    Z["hts-2017"] = [[chain(B(C31, C41), rev(L_IDLIB_2017), L_IDLIB_N)]]
    Z["southern-opposition-2017"] = [[chain(B(G_S, D_E), daraa_line)]]
    Z["syrian-opposition-2017"] = [[GHOUTA]]
    Z["assad-government-2017"] = [[chain(B(C41, G_N), golan_east, rev(daraa_line), BT(D_E, C_WB_IQ), rev(L_IS17_W),
                                         rev(sub(L_RIVER_S, RJ, RV17)), rev(L_SOUTHBANK), rev(L_LAKE), rev(L_MANBIJ_S),
                                         L_SNA_GOV_E, rev(L_TR_S), L_AFRIN_S, L_IDLIB_2017), GHOUTA]]
    for zid in ["sdf-2019", "sna-2019", "hts-2019"]:
        Z[zid] = Z[zid.replace("2019", "2018")]
    # southern factions
    Z["southern-opposition-2024-12"] = [[chain(B(G_S, D_E), daraa_line)]]
    # Israel
    Z["israel-golan"] = [[chain(B(G_N, G_S), rev(golan_east))]]
    Z["israel-buffer-2024-12"] = [[chain(B(B_N, G_N), golan_east, B(G_S, B_S), buf_east)]]
    # Assad government
    Z["assad-government-2020-03"] = [[chain(B(C41, G_N), golan_east, BT(G_S, C_EUPH_IQ), rev(L_RIVER_S), rev(L_SOUTHBANK),
                                            rev(L_LAKE), rev(L_MANBIJ_S), L_SNA_GOV_E, rev(L_TR_S), L_AFRIN_S, L_IDLIB_E)]]
    Z["assad-government-2024-11-27"] = [[chain(B(C41, G_N), golan_east, BT(G_S, C_EUPH_IQ), rev(L_RIVER_S), rev(L_SOUTHBANK),
                                               rev(L_LAKE), rev(L_MANBIJ_S), L_SNA_GOV_E, rev(L_TR_S), L_AFRIN_S, L_H_NOV27)]]
    def assad_front(line):   # 30 Nov - 5 Dec: Daraa and the Deir ez-Zor west bank still government-held
        return [[chain(B(C41, G_N), golan_east, BT(G_S, C_EUPH_IQ), rev(L_RIVER_S), rev(L_SOUTHBANK),
                       sub(L_LAKE, W_TABQA, LK3), rev(line))]]
    Z["assad-government-2024-11-30"] = assad_front(L_H_NOV30)
    Z["assad-government-2024-12-05"] = assad_front(L_H1)
    def assad_late(line):    # 6-7 Dec: without Daraa and the west bank
        return [[chain(B(C41, G_N), golan_east, rev(daraa_line), BT(D_E, C_WB_IQ), rev(L_DEZ_WB),
                       rev(sub(L_RIVER_S, RJ, RD)), rev(L_SOUTHBANK), sub(L_LAKE, W_TABQA, LK3), rev(line))]]
    Z["assad-government-2024-12"] = assad_late(L_H1)
    Z["assad-government-2024-12-07"] = assad_late(L_H_DEC7)
    # interim government
    gov25 = chain(B(C31, B_N), rev(buf_east), B(B_S, C_EUPH_IQ), rev(L_RIVER_S), rev(sub(L_SOUTHBANK, DH_S, RJ)), rev(L_DH),
                  sub(L_LAKE, DH_N, TISHRIN), rev(L_MANBIJ_S), L_SNA_GOV_E, rev(L_TR_S), L_AFRIN_S, L_IDLIB_N)
    Z["interim-government-2024-12"] = [[gov25]]
    Z["interim-government-2025-07"] = [[gov25, DRUZE]]
    Z["interim-government-2026-01"] = [[chain(B(C_PS_E, C_KOB_E), L_J_KOB, B(C_KOB_W, B_N), rev(buf_east), B(B_S, C_HOL),
                                              rev(L_J_HAS), sub(L_PS, PSE_S, C_PS_E)), DRUZE]]
    Z["suwayda-druze-2025-07"] = [[DRUZE]]
    # ISIS presence envelope (the places Sky News Arabia, Newlines and SOHR name), anticlockwise from Jabal Abu Rajmayn
    Z["isis-badiya-presence"] = [[[[38.40, 34.95], [38.90, 35.20], [39.40, 35.42], [39.85, 35.30], [40.05, 35.12],
                                   [40.30, 34.88], [40.55, 34.58], [40.68, 34.42], [40.10, 34.25], [39.40, 34.25],
                                   [38.70, 34.20], [38.10, 33.90], [37.60, 33.45], [37.25, 33.20], [37.05, 33.35],
                                   [37.20, 33.85], [37.55, 34.30], [37.85, 34.62], [38.05, 34.82], [38.40, 34.95]]]]

    feats = []
    for zid, meta in ZONES.items():
        if "circle" in meta:
            geom = {"type": "Polygon", "coordinates": [[r5(p) for p in circle_polygon(*meta["circle"])]]}
        else:
            polys = []
            for rings_ in Z[zid]:
                rr = orient([[r5(p) for p in r] for r in rings_])
                check_simple(rr, zid)
                polys.append(rr)
            for i in range(len(polys)):
                for j in range(i + 1, len(polys)):
                    if any(in_poly(p, polys[j]) for p in polys[i][0][:-1]) or any(in_poly(p, polys[i]) for p in polys[j][0][:-1]):
                        sys.exit(f"{zid}: parts {i} and {j} overlap")
            geom = ({"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1
                    else {"type": "MultiPolygon", "coordinates": polys})
        props = {"name": meta["name"], "actor": meta["actor"], "status": meta["status"],
                 "valid_from": meta["from"], "valid_to": meta.get("to")}
        if "circle" in meta:
            props["circle"] = {"center": meta["circle"][0], "radius_m": meta["circle"][1]}
        props["approximate"] = meta["unc"] > 0
        if meta["unc"]:
            props["uncertainty_m"] = meta["unc"]
        props["sources"] = meta["sources"]
        props["notes"] = meta["notes"]
        feats.append({"type": "Feature", "id": zid, "geometry": geom, "properties": props})

    selftest(feats)
    with open(out, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in feats))
        f.write("\n]}\n")
    print(f"{out}: {len(feats)} zones", file=sys.stderr)


def contains(feat, pt):
    p = feat["properties"]
    if "circle" in p:
        return haversine(p["circle"]["center"], pt) <= p["circle"]["radius_m"]
    g = feat["geometry"]
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return any(in_poly(pt, rr) for rr in polys)


def valid_on(feat, day):
    p = feat["properties"]
    return (p["valid_from"] is None or p["valid_from"] <= day) and (p["valid_to"] is None or day <= p["valid_to"])


def at(feats, pt, day, status="control"):
    return sorted(f["id"] for f in feats if f["properties"]["status"] == status and valid_on(f, day) and contains(f, pt))


EXPECT = [  # (place, [lon, lat], day, expected control zone ids)
    ("Raqqa", [39.0167, 35.95], "2024-12-06", ["sdf-2024-12"]),
    ("Raqqa", [39.0167, 35.95], "2026-01-25", ["interim-government-2026-01"]),
    ("Deir ez-Zor", [40.15, 35.333], "2024-11-01", ["assad-government-2020-03"]),
    ("Deir ez-Zor", [40.15, 35.333], "2024-12-06", ["sdf-2024-12"]),
    ("Deir ez-Zor", [40.15, 35.333], "2025-06-01", ["interim-government-2024-12"]),
    ("Conoco gas field", [40.30944, 35.33611], "2025-06-01", ["sdf-2025"]),
    ("Al-Omar oil field", [40.57583, 35.15167], "2026-01-25", ["interim-government-2026-01"]),
    ("Mayadin", [40.45333, 35.01833], "2025-06-01", ["interim-government-2024-12"]),
    ("Al-Baghouz", [40.95056, 34.45861], "2025-06-01", ["sdf-2025"]),
    ("Abu Kamal", [40.93667, 34.45361], "2025-06-01", ["interim-government-2024-12"]),
    ("Abu Kamal", [40.93667, 34.45361], "2024-12-06", ["sdf-2024-12"]),
    ("Aleppo", [37.167, 36.217], "2024-11-01", ["assad-government-2020-03"]),
    ("Aleppo", [37.167, 36.217], "2024-12-06", ["hts-2024-12"]),
    ("Idlib", [36.633, 35.933], "2024-11-01", ["hts-2020-03"]),
    ("Manbij", [37.95472, 36.52806], "2024-11-01", ["sdf-2020-03"]),
    ("Manbij", [37.95472, 36.52806], "2025-06-01", ["sna-2025"]),
    ("Al-Bab", [37.5178, 36.3725], "2025-06-01", ["sna-2025"]),
    ("Jarabulus", [38.0111, 36.8175], "2024-11-01", ["sna-2020-03"]),
    ("Kobani", [38.353471, 36.890952], "2026-01-25", ["sdf-2026-01"]),
    ("Kobani", [38.353471, 36.890952], "2025-06-01", ["sdf-2025"]),
    ("Tabqa", [38.54806, 35.83667], "2025-06-01", ["sdf-2025"]),
    ("Tabqa", [38.54806, 35.83667], "2026-01-25", ["interim-government-2026-01"]),
    ("Qamishli", [41.231422, 37.052152], "2026-01-25", ["sdf-2026-01"]),
    ("Al-Hasakah", [40.74222, 36.51167], "2026-01-25", ["sdf-2026-01"]),
    ("Al-Shaddadi", [40.7303, 36.0561], "2026-01-25", ["interim-government-2026-01"]),
    ("Al-Hol camp", [41.14861, 36.37556], "2026-01-25", ["interim-government-2026-01"]),
    ("Tel Abyad", [38.95667, 36.6975], "2025-06-01", ["sna-2025"]),
    ("Tel Abyad", [38.95667, 36.6975], "2026-01-25", ["interim-government-2026-01"]),
    ("Daraa", [36.1, 32.617], "2024-12-06", ["southern-opposition-2024-12"]),
    ("Suwayda", [36.56667, 32.7125], "2025-09-01", ["suwayda-druze-2025-07"]),
    ("Suwayda", [36.56667, 32.7125], "2025-06-01", ["interim-government-2024-12"]),
    ("Damascus", [36.29194, 33.51306], "2024-11-01", ["assad-government-2020-03"]),
    ("Damascus", [36.29194, 33.51306], "2026-01-25", ["interim-government-2026-01"]),
    ("Homs", [36.70944, 34.73083], "2024-12-06", ["assad-government-2024-12"]),
    ("Palmyra", [38.26722, 34.56], "2025-06-01", ["interim-government-2024-12"]),
    ("Golan (Quneitra hills)", [35.75, 33.0], "2025-06-01", ["israel-golan"]),
    ("Khan Sheikhoun", [36.6381, 35.4414], "2019-06-01", ["hts-2019"]),
    ("Raqqa", [39.0167, 35.95], "2017-11-01", ["sdf-2017"]),
    ("Raqqa", [39.0167, 35.95], "2016-05-01", ["isis-2016"]),
    ("Manbij", [37.95472, 36.52806], "2016-05-01", ["isis-2016"]),
    ("Al-Sukhnah", [38.872083, 34.886806], "2016-05-01", ["isis-2016"]),
    ("Palmyra", [38.26722, 34.56], "2016-05-01", ["assad-government-2016"]),
    ("Deir ez-Zor", [40.15, 35.333], "2016-05-01", ["assad-government-2016"]),
    ("Idlib", [36.633, 35.933], "2016-05-01", ["syrian-opposition-2016"]),
    ("Kobani", [38.353471, 36.890952], "2016-05-01", ["sdf-2016"]),
    ("Al-Shaddadi", [40.7303, 36.0561], "2016-05-01", ["sdf-2016"]),
    ("Damascus", [36.29194, 33.51306], "2016-05-01", ["assad-government-2016"]),
    ("Homs", [36.70944, 34.73083], "2016-05-01", ["assad-government-2016"]),
    ("Abu Kamal", [40.93667, 34.45361], "2017-11-01", ["isis-2017"]),
    ("Al-Baghouz", [40.95056, 34.45861], "2017-11-01", ["isis-2017"]),
    ("Mayadin", [40.45333, 35.01833], "2017-11-01", ["assad-government-2017"]),
    ("Deir ez-Zor", [40.15, 35.333], "2017-11-01", ["assad-government-2017"]),
    ("Al-Omar oil field", [40.57583, 35.15167], "2017-11-01", ["sdf-2017"]),
    ("Afrin", [36.8667, 36.5167], "2017-11-01", ["sdf-2017"]),
    ("Al-Bab", [37.5178, 36.3725], "2017-11-01", ["sna-2017"]),
    ("Douma", [36.40, 33.57], "2017-11-01", ["syrian-opposition-2017"]),
    ("Aleppo", [37.167, 36.217], "2017-11-01", ["assad-government-2017"]),
    ("Khan Sheikhoun", [36.6381, 35.4414], "2020-06-01", ["assad-government-2020-03"]),
    ("Daraa", [36.1, 32.617], "2018-05-01", ["southern-opposition-2018"]),
    ("Daraa", [36.1, 32.617], "2019-06-01", ["assad-government-2019"]),
    ("Afrin", [36.8667, 36.5167], "2018-05-01", ["sna-2018"]),
    ("Tel Abyad", [38.95667, 36.6975], "2019-06-01", ["sdf-2019"]),
    ("Raqqa", [39.0167, 35.95], "2018-05-01", ["sdf-2018"]),
    ("Damascus", [36.29194, 33.51306], "2019-06-01", ["assad-government-2019"]),
]


# The controller the cited reports give for four cities on each day of the Nov-Dec 2024 offensive, as
# (first day, last day, actor); cmd/frontline's TestDayLevelControl asks /api/control the same.
DAY_LEVEL = {
    "Aleppo": ([37.167, 36.217], [("2024-11-27", "2024-11-29", "assad-government"), ("2024-11-30", "2024-12-07", "hts"),
                                  ("2024-12-08", "2024-12-08", "interim-government")]),
    "Hama": ([36.75, 35.1333], [("2024-11-27", "2024-12-04", "assad-government"), ("2024-12-05", "2024-12-07", "hts"),
                                ("2024-12-08", "2024-12-08", "interim-government")]),
    "Homs": ([36.70944, 34.73083], [("2024-11-27", "2024-12-06", "assad-government"), ("2024-12-07", "2024-12-07", "hts"),
                                    ("2024-12-08", "2024-12-08", "interim-government")]),
    "Damascus": ([36.29194, 33.51306], [("2024-11-27", "2024-12-07", "assad-government"),
                                        ("2024-12-08", "2024-12-08", "interim-government")]),
}
OFFENSIVE_DAYS = ["2024-11-%02d" % d for d in range(27, 31)] + ["2024-12-%02d" % d for d in range(1, 9)]


def selftest(feats):
    bad = 0
    actor = {f["id"]: f["properties"]["actor"] for f in feats}
    for name, (pt, spans) in DAY_LEVEL.items():
        for day in OFFENSIVE_DAYS:
            want = [a for lo, hi, a in spans if lo <= day <= hi]
            got = [actor[z] for z in at(feats, pt, day)]
            if got != want:
                print(f"selftest: {name} on {day}: control by {got}, want {want}", file=sys.stderr)
                bad += 1
    if at(feats, [37.167, 36.217], "2024-11-29", "contested") != ["aleppo-contested-2024-11-29"]:
        print("selftest: Aleppo not contested on 29 Nov 2024", file=sys.stderr); bad += 1
    if at(feats, [38.61778, 33.50583], "2022-06-01") != []:
        print("selftest: the Al-Tanf base is in a control zone in 2022", file=sys.stderr); bad += 1
    for name, pt, day, want in EXPECT:
        got = at(feats, pt, day)
        if got != want:
            print(f"selftest: {name} {pt} on {day}: got {got}, want {want}", file=sys.stderr)
            bad += 1
    # presence and deconfliction overlaps that the README promises
    if at(feats, [38.26722, 34.56], "2025-06-01", "presence") != ["isis-badiya-presence"]:
        print("selftest: Palmyra not in the ISIS presence zone", file=sys.stderr); bad += 1
    if at(feats, [38.61778, 33.50583], "2025-06-01", "deconfliction") != ["us-coalition-al-tanf-55km"]:
        print("selftest: Al-Tanf not in its circle", file=sys.stderr); bad += 1
    if at(feats, [35.85, 33.1], "2025-06-01", "buffer") != ["israel-buffer-2024-12"]:
        print("selftest: UNDOF area not in the buffer", file=sys.stderr); bad += 1
    # grid: every point of Syria is in exactly one control zone on each snapshot date
    ctry = json.load(open(f"{BDIR}/country.geojson", encoding="utf-8"))["features"][0]["geometry"]["coordinates"]
    main_ring = max((p[0] for p in ctry), key=len)
    for day in ["2016-05-01", "2017-11-01", "2018-05-01", "2019-06-01", "2024-11-01"] + OFFENSIVE_DAYS + ["2025-06-01", "2025-09-01", "2026-01-25"]:
        gaps = over = n = 0
        examples = []
        y = 32.32
        while y < 37.33:
            x = 35.60
            while x < 42.40:
                if in_ring([x, y], main_ring):
                    n += 1
                    k = len(at(feats, [x, y], day)) + len(at(feats, [x, y], day, "buffer"))
                    if k == 0 and at(feats, [x, y], day, "deconfliction"):
                        k = 1   # the Al-Tanf zone, cut out of the Assad government's ground
                    if k == 0:
                        gaps += 1; examples.append(("gap", round(x, 2), round(y, 2)))
                    elif k > 1:
                        over += 1; examples.append(("overlap", round(x, 2), round(y, 2), at(feats, [x, y], day)))
                x += 0.05
            y += 0.05
        print(f"selftest grid {day}: {n} points, {gaps} gaps, {over} overlaps {examples[:6]}", file=sys.stderr)
        if (gaps + over) > 0.01 * n:
            bad += 1
    if bad:
        sys.exit(f"selftest: {bad} failures")


# --------------------------------------------------------------------------
ASSAD_SRC = [AJ_MAP, AJ_11, TEL]
NOTE_APPROX = " Hand-drawn from the cited reports: border stretches follow the OCHA outline simplified to ~1 km; front lines are polylines through the places the sources name. Treat every edge as +/-15 km."
NOTE_OLD = " Hand-drawn from the cited reports with the lines of the later snapshots where the reports place the fronts on them; small pockets are not drawn (see the notes). Treat every edge as +/-30 km."
ZONES = {
    "assad-government-2016": dict(
        name="Government (Assad) areas, April - May 2016 (approximate)", actor="assad-government", status="control",
        **{"from": "2016-04-04", "to": "2016-05-31"}, unc=40000, sources=[PGN_2016, AJ_2018],
        notes="After the government retook Palmyra (27 Mar 2016) and Qaryatayn from ISIS and before the SDF's Manbij offensive (June 2016): the coast, Damascus, Homs, Hama, western Aleppo city with the Khanasir road, Palmyra and the desert west of the ISIS front, Suwayda, and the besieged enclave of Deir ez-Zor city and airport (a second part). Holes: Eastern Ghouta (rebel). Not drawn: the rebel north Homs pocket, Darayya, eastern Qalamoun and Quneitra, the Nubl and Zahraa link, and ISIS's Yarmouk basin. The front lines here are drawn from general knowledge of the war's course where the cited reports give no line. The Al-Tanf 55 km zone is cut out." + NOTE_OLD),
    "syrian-opposition-2016": dict(
        name="Rebels (Jaysh al-Fatah, FSA and others), April - May 2016 (approximate)", actor="syrian-opposition", status="control",
        **{"from": "2016-04-04", "to": "2016-05-31"}, unc=40000, sources=[PGN_2016, AJ_2018],
        notes="Three parts: (1) the north-west held by the Jaysh al-Fatah coalition (the Nusra Front, Ahrar al-Sham and others) and FSA factions: Idlib province with south Idlib and northern Hama, the west and south Aleppo countryside and eastern Aleppo city (besieged from July 2016, retaken by the government in Dec 2016); (2) the Azaz - Marea strip on the Turkish border between the SDF's Afrin and ISIS; (3) Eastern Ghouta. Drawn from general knowledge where the reports give no line." + NOTE_OLD),
    "southern-opposition-2016": dict(
        name="Southern rebels: Daraa, April - May 2016 (approximate)", actor="southern-opposition", status="control",
        **{"from": "2016-04-04", "to": "2016-05-31"}, unc=40000, sources=[PGN_2016],
        notes="Rebel-held Daraa, drawn as the whole Dar'a governorate (the government held Daraa city's north and the M5 corridor; the ISIS-affiliated groups of the Yarmouk basin, which the April 2016 map shows near the Golan, are not drawn)." + NOTE_OLD),
    "sdf-2016": dict(
        name="SDF / YPG: the north-east and Afrin with Tal Rifaat, April - May 2016 (approximate)", actor="sdf", status="control",
        **{"from": "2016-04-04", "to": "2016-05-31"}, unc=40000, sources=[PGN_2016, ANEWS_TR],
        notes="Two parts: (1) east of the Euphrates along the Turkish border (Kobani, Tel Abyad, Qamishli, Al-Hasakah) south to Ain Issa and al-Shaddadi (taken Feb 2016); (2) the Afrin canton with Tal Rifaat and the villages around it, taken in Feb 2016. Drawn from general knowledge where the reports give no line." + NOTE_OLD),
    "isis-2016": dict(
        name="ISIS territory, April - May 2016 (approximate)", actor="isis", status="control",
        **{"from": "2016-04-04", "to": "2016-05-31"}, unc=40000, sources=[PGN_2016],
        notes="ISIS's territory before the offensives of mid-2016: west of the Euphrates from Jarabulus, al-Rai and al-Bab to Manbij, Deir Hafer and Maskanah; Raqqa, Tabqa and the Euphrates valley to Abu Kamal and the Iraqi border, with Deir ez-Zor except the government enclave (a hole); and the desert east of Palmyra, Al-Sukhnah and the east Hama desert. Drawn from general knowledge where the reports give no line." + NOTE_OLD),
    "assad-government-2017": dict(
        name="Government (Assad) areas, 18 Oct - 7 Nov 2017 (approximate)", actor="assad-government", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=40000, sources=[ALWAGHT_MAYADIN, STORYFUL_DEZ, WP_RAQQA, AJ_2018],
        notes="After the SDF took Raqqa (17 Oct 2017) and the government Mayadin (14 Oct), before it took Abu Kamal (Nov 2017): the west and centre with Aleppo, Homs, Hama, Damascus, Palmyra and the desert, Deir ez-Zor city (its last ISIS districts were retaken on 3 Nov, not drawn) and the west bank down to Mayadin. Holes: Eastern Ghouta (rebel-held, besieged, retaken in April 2018). Not drawn: the rebel north Homs pocket (Rastan, Talbiseh), eastern Qalamoun and Quneitra, ISIS's pockets in the east Hama and Homs desert, the Yarmouk basin and south Damascus, and the government's bridgehead east of the river at Deir ez-Zor. The Al-Tanf 55 km zone is cut out." + NOTE_OLD),
    "hts-2017": dict(
        name="Idlib pocket (HTS and other rebels), 18 Oct - 7 Nov 2017 (approximate)", actor="hts", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=40000, sources=[ISW_2017, AJ_2018],
        notes="The north-western rebel pocket before the government's winter offensive east of the M5 (Abu al-Duhur, Jan 2018): Idlib province, south Idlib and the northern Hama salient, the west of Aleppo province; HTS-dominated, with Turkey-backed factions entering from 7 Oct 2017; drawn as one zone of the HTS actor." + NOTE_OLD),
    "syrian-opposition-2017": dict(
        name="Eastern Ghouta (rebels), 18 Oct - 7 Nov 2017 (approximate)", actor="syrian-opposition", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=10000, sources=[AJ_2018],
        notes="The rebel enclave east of Damascus (Douma, Harasta, Arbin), besieged by the government until the army took it in April 2018; a hand-drawn outline of about 20 by 15 km." + NOTE_OLD),
    "southern-opposition-2017": dict(
        name="Southern rebels: Daraa, 18 Oct - 7 Nov 2017 (approximate)", actor="southern-opposition", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=40000, sources=[AJ_2018],
        notes="Rebel-held Daraa (drawn as the whole Dar'a governorate; the government held Daraa city's north and the M5 corridor, the ISIS-affiliated Khalid ibn al-Walid Army the Yarmouk basin) until the government offensive of June-July 2018." + NOTE_OLD),
    "sna-2017": dict(
        name="Euphrates Shield area (Turkey-backed rebels and Turkish forces), 18 Oct - 7 Nov 2017 (approximate)", actor="sna", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=40000, sources=[ISW_2017, AJ_2018],
        notes="Jarabulus, Al-Bab (taken Feb 2017) and Azaz, between the Euphrates and the SDF's Afrin and Tal Rifaat; the factions became the SNA in Dec 2017. Afrin was taken only in March 2018." + NOTE_OLD),
    "sdf-2017": dict(
        name="SDF: the north-east with Raqqa, and Afrin with Tal Rifaat, 18 Oct - 7 Nov 2017 (approximate)", actor="sdf", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=40000, sources=[WP_RAQQA, ISW_2017],
        notes="Two parts: (1) east of the Euphrates along the whole Turkish border, Manbij, Tabqa, Raqqa (taken 17 Oct 2017) and the east bank down past Deir ez-Zor to the al-Omar field; (2) the Afrin canton with the Tal Rifaat pocket." + NOTE_OLD),
    "isis-2017": dict(
        name="ISIS: the Euphrates valley below Mayadin, 18 Oct - 7 Nov 2017 (approximate)", actor="isis", status="control",
        **{"from": "2017-10-18", "to": "2017-11-07"}, unc=40000, sources=[ALWAGHT_MAYADIN, STORYFUL_DEZ, WP_RAQQA],
        notes="ISIS's last large territory after losing Raqqa and Mayadin: the Euphrates valley from below Mayadin (west bank) and below al-Omar (east bank) to Abu Kamal, Al-Baghouz and the Iraqi border, with the desert beside it. Its smaller pockets (east Hama and Homs desert, Yarmouk basin, south Damascus) are not drawn." + NOTE_OLD),
    "assad-government-2018": dict(
        name="Government (Assad) areas, mid-April - mid-June 2018 (approximate)", actor="assad-government", status="control",
        **{"from": "2018-04-15", "to": "2018-06-18"}, unc=30000, sources=[AJ_2018],
        notes="After the army took Eastern Ghouta (12 Apr 2018) and before its Daraa offensive (from 19 Jun): everything outside the Idlib pocket, the SNA's north Aleppo pocket (with Afrin, taken by Turkey and the SNA in March 2018), the SDF north-east and Daraa. Not drawn: the rebel pocket of northern Homs (Rastan, Talbiseh; surrendered in May 2018) and ISIS's Yarmouk camp and al-Hajar al-Aswad south of Damascus (to May 2018), its desert pockets, and rebel Quneitra. The Al-Tanf 55 km zone is cut out." + NOTE_OLD),
    "hts-2018": dict(
        name="Idlib pocket (HTS and other rebels), mid-April - mid-June 2018 (approximate)", actor="hts", status="control",
        **{"from": "2018-04-15", "to": "2018-06-18"}, unc=30000, sources=[AJ_2018, REUTERS_KHAN],
        notes="The north-western rebel pocket: Idlib province with south Idlib (Maarat al-Numan, Khan Sheikhoun, rebel-held since 2014) and the northern Hama salient (Latamina, Kafr Zita, Morek), and the west of Aleppo province. HTS was the strongest group; other rebels (the FSA factions of the sources) held parts. Drawn as one zone of the HTS actor." + NOTE_OLD),
    "southern-opposition-2018": dict(
        name="Southern rebels: Daraa, mid-April - mid-June 2018 (approximate)", actor="southern-opposition", status="control",
        **{"from": "2018-04-15", "to": "2018-06-18"}, unc=30000, sources=[AJ_2018],
        notes="Rebel-held Daraa before the government offensive of June-July 2018, drawn as the whole Dar'a governorate: the government held Daraa city's northern districts and the M5 corridor north of it, and the ISIS-affiliated Khalid ibn al-Walid Army the Yarmouk basin in the south-west; rebel Quneitra is not drawn." + NOTE_OLD),
    "sna-2018": dict(
        name="SNA and Turkish forces: north Aleppo pocket with Afrin, mid-April - mid-June 2018 (approximate)", actor="sna", status="control",
        **{"from": "2018-04-15", "to": "2018-06-18"}, unc=30000, sources=[AJ_2018],
        notes="The Euphrates Shield area (Jarabulus, Al-Bab, Azaz) and Afrin, taken from the YPG by Turkish troops and allied Syrian rebels in March 2018." + NOTE_OLD),
    "sdf-2018": dict(
        name="SDF north-east with Manbij and Tal Rifaat, mid-April - mid-June 2018 (approximate)", actor="sdf", status="control",
        **{"from": "2018-04-15", "to": "2018-06-18"}, unc=30000, sources=[AJ_2018],
        notes="East of the Euphrates along the whole Turkish border (before the Oct 2019 Peace Spring strip), Raqqa, Manbij and Tabqa, and the Tal Rifaat pocket. Not drawn: the ISIS-held Hajin - Al-Baghouz pocket on the east bank of the Euphrates, drawn here as SDF ground (ISIS held it until Dec 2018 - Mar 2019)." + NOTE_OLD),
    "assad-government-2019": dict(
        name="Government (Assad) areas, 24 March - 19 Aug 2019 (approximate)", actor="assad-government", status="control",
        **{"from": "2019-03-24", "to": "2019-08-19"}, unc=30000, sources=[AFP_BAGHOUZ, REUTERS_KHAN, ALARABIYA_KHAN],
        notes="After ISIS lost its last territory at Al-Baghouz (23 Mar 2019) and before the government took Khan Sheikhoun and northern Hama (20-23 Aug 2019): everything outside the Idlib pocket, the SNA's north Aleppo pocket, the SDF north-east and the Golan, Daraa included (retaken in July 2018). The government's gains of May-Aug 2019 in northern Hama (Kafr Nabuda, Qalaat al-Madiq) are not drawn. The Al-Tanf 55 km zone is cut out." + NOTE_OLD),
    "hts-2019": dict(
        name="Idlib pocket (HTS and other rebels), 24 March - 19 Aug 2019 (approximate)", actor="hts", status="control",
        **{"from": "2019-03-24", "to": "2019-08-19"}, unc=30000, sources=[REUTERS_KHAN, ALARABIYA_KHAN],
        notes="The north-western pocket before 20 Aug 2019, when the rebels withdrew from Khan Sheikhoun and their last territory in Hama province: Idlib province, south Idlib and the northern Hama salient, and the west of Aleppo province; HTS-dominated, drawn as one zone of the HTS actor." + NOTE_OLD),
    "sna-2019": dict(
        name="SNA and Turkish forces: north Aleppo pocket with Afrin, 24 March - 19 Aug 2019 (approximate)", actor="sna", status="control",
        **{"from": "2019-03-24", "to": "2019-08-19"}, unc=30000, sources=[AJ_2018, HDN],
        notes="The Euphrates Shield area and Afrin; the Tel Abyad - Ras al-Ain strip came only with the Peace Spring operation of Oct 2019." + NOTE_OLD),
    "sdf-2019": dict(
        name="SDF north-east with Manbij and Tal Rifaat, 24 March - 19 Aug 2019 (approximate)", actor="sdf", status="control",
        **{"from": "2019-03-24", "to": "2019-08-19"}, unc=30000, sources=[AFP_BAGHOUZ, HDN],
        notes="East of the Euphrates along the whole Turkish border (the Peace Spring strip was taken in Oct 2019), down the east bank to Al-Baghouz (taken from ISIS on 23 Mar 2019), plus Manbij, Tabqa and the Tal Rifaat pocket." + NOTE_OLD),
    "assad-government-2020-03": dict(
        name="Government (Assad) areas, March 2020 - 26 Nov 2024", actor="assad-government", status="control",
        **{"from": "2020-03-06", "to": "2024-11-26"}, unc=15000, sources=ASSAD_SRC + [HDN],
        notes="Baseline frozen since the 5 March 2020 Idlib ceasefire (as of 26 Nov 2024): everything outside the Idlib pocket (HTS), the SNA pockets, the SDF north-east and the Israeli-held Golan, including Aleppo city, Damascus, Homs, Hama, the coast, Daraa, Suwayda (Druze factions locally), the Badiya and the Deir ez-Zor west bank. Government security enclaves inside Al-Hasakah and Qamishli and the SDF-held Sheikh Maqsoud district of Aleppo are too small to draw. The Al-Tanf 55 km zone lies inside this polygon (see the deconfliction zone); ISIS cells are a presence inside it. The start date is the ceasefire; earlier lines differ. The Al-Tanf 55 km zone is cut out: the sources describe it as held by the US garrison and the Syrian Free Army, which government forces did not enter (from 2016; the interim government\'s zones from 8 Dec 2024 overlap it instead, as the deconfliction zone persisted until Feb 2026)." + NOTE_APPROX),
    "assad-government-2024-11-27": dict(
        name="Government (Assad) areas, 27-29 Nov 2024", actor="assad-government", status="control",
        **{"from": "2024-11-27", "to": "2024-11-29"}, unc=20000, sources=ASSAD_SRC + [WP_ALEPPO, I24_ALEPPO],
        notes="27-29 Nov 2024: as the baseline less the western Aleppo countryside, taken by the HTS-led offensive from 27 Nov; Aleppo city was still government-held (contested from 29 Nov, see aleppo-contested-2024-11-29), and so were Hama, Homs, Damascus, Daraa and the Deir ez-Zor west bank. The Al-Tanf 55 km zone is cut out." + NOTE_APPROX),
    "assad-government-2024-11-30": dict(
        name="Government (Assad) areas, 30 Nov - 4 Dec 2024", actor="assad-government", status="control",
        **{"from": "2024-11-30", "to": "2024-12-04"}, unc=20000, sources=ASSAD_SRC + [WP_ALEPPO, MENAFN_ALEPPO, DEV_HAMA],
        notes="30 Nov - 4 Dec 2024: after Aleppo fell (30 Nov) and before Hama (5 Dec): Hama, Homs, Damascus, the coast, Daraa, Suwayda, the Badiya and the Deir ez-Zor west bank. The Al-Tanf 55 km zone is cut out." + NOTE_APPROX),
    "assad-government-2024-12-05": dict(
        name="Government (Assad) areas, 5 Dec 2024", actor="assad-government", status="control",
        **{"from": "2024-12-05", "to": "2024-12-05"}, unc=20000, sources=ASSAD_SRC + [DEV_HAMA, F24_HAMA],
        notes="5 Dec 2024: the army withdrew from Hama; the government still held Homs, Damascus, the coast, Daraa, Suwayda, the Badiya and the Deir ez-Zor west bank (both lost on 6 Dec). The Al-Tanf 55 km zone is cut out." + NOTE_APPROX),
    "assad-government-2024-12": dict(
        name="Government (Assad) areas, 6 Dec 2024", actor="assad-government", status="control",
        **{"from": "2024-12-06", "to": "2024-12-06"}, unc=20000, sources=ASSAD_SRC + [PGN],
        notes="6 Dec 2024: after Aleppo (29-30 Nov) and Hama (5 Dec) fell to the HTS-led offensive, Daraa to the southern factions and Deir ez-Zor city and the west bank to the SDF (both 6 Dec): Homs, Damascus, the coast, Suwayda and the Badiya. The Al-Tanf 55 km zone is cut out (see assad-government-2020-03)." + NOTE_APPROX),
    "assad-government-2024-12-07": dict(
        name="Government (Assad) areas, 7 Dec 2024", actor="assad-government", status="control",
        **{"from": "2024-12-07", "to": "2024-12-07"}, unc=20000, sources=ASSAD_SRC + [FEDERAL_HOMS, HINDU_HOMS, WION_DAM],
        notes="7 Dec 2024, the last day before Assad left: as on 6 Dec less Homs city, entered by HTS that night; Damascus was declared free on 8 Dec. The Al-Tanf 55 km zone is cut out." + NOTE_APPROX),
    "hts-2020-03": dict(
        name="HTS-led opposition: Idlib pocket, March 2020 - 26 Nov 2024", actor="hts", status="control",
        **{"from": "2020-03-06", "to": "2024-11-26"}, unc=15000, sources=[AJ_MAP, AJ_11, TEL],
        notes="Most of Idlib governorate including Idlib city, the western Aleppo countryside and a strip of the north-east Latakia hills; south edge just south of the M4 (Jisr al-Shughur - Ariha), east edge west of the M5 (Saraqib government-held since 2020, unsourced). Other opposition factions inside the pocket are not separated." + NOTE_APPROX),
    "hts-2024-11-27": dict(
        name="HTS-led opposition, 27-29 Nov 2024 (before Aleppo fell)", actor="hts", status="control",
        **{"from": "2024-11-27", "to": "2024-11-29"}, unc=20000, sources=[AJ_11, WP_ALEPPO, I24_ALEPPO],
        notes="27-29 Nov 2024: the Idlib pocket plus the western Aleppo countryside taken in the first days of the offensive, up to the western edge of Aleppo city, which the rebels entered on 29 Nov (see aleppo-contested-2024-11-29) but did not yet hold." + NOTE_APPROX),
    "aleppo-contested-2024-11-29": dict(
        name="Aleppo city contested, 29 Nov 2024", actor="hts", status="contested",
        **{"from": "2024-11-29", "to": "2024-11-29"}, unc=5000, circle=([37.167, 36.217], 10000),
        sources=[WP_ALEPPO, I24_ALEPPO],
        notes="On 29 Nov 2024 HTS-led rebels entered Aleppo and reached the central square amid fierce clashes; the government still held most of the city, which fell on 30 Nov. A 10 km circle around the city centre (the gazetteer point) stands for the city; it is a contested area over the government's, not control."),
    "hts-2024-11-30": dict(
        name="HTS-led opposition, 30 Nov - 4 Dec 2024 (Aleppo taken)", actor="hts", status="control",
        **{"from": "2024-11-30", "to": "2024-12-04"}, unc=20000, sources=[AJ_11, TEL, WP_ALEPPO, MENAFN_ALEPPO, WP_DAWN],
        notes="30 Nov - 4 Dec 2024: the Idlib pocket, Aleppo city (most of it, the citadel and the government headquarters held by the end of 30 Nov) and its countryside west of the Euphrates except the SNA and SDF pockets, and the M5 south to a front north of Hama city, which held until 5 Dec. The SNA's gains east of Aleppo (Tadef, as-Safira, Kuweires, 30 Nov-1 Dec) are drawn inside this area." + NOTE_APPROX),
    "hts-2024-12": dict(
        name="HTS-led opposition, 5-6 Dec 2024", actor="hts", status="control",
        **{"from": "2024-12-05", "to": "2024-12-06"}, unc=20000, sources=[AJ_11, TEL, PGN, WP_ALEPPO, DEV_HAMA, F24_HAMA],
        notes="5-6 Dec 2024: the Idlib pocket plus Aleppo city and its countryside west of the Euphrates except the SNA and SDF pockets, and a corridor south along the M5 through Hama (taken 5 Dec) to the edge of Homs (Rastan). The SNA's gains east of Aleppo (Tadef, as-Safira, Kuweires, 30 Nov-1 Dec) are drawn inside this area." + NOTE_APPROX),
    "hts-2024-12-07": dict(
        name="HTS-led opposition, 7 Dec 2024 (Homs entered)", actor="hts", status="control",
        **{"from": "2024-12-07", "to": "2024-12-07"}, unc=20000, sources=[AJ_11, FEDERAL_HOMS, HINDU_HOMS],
        notes="7 Dec 2024: as on 5-6 Dec plus Homs city, which HTS announced it had entered on the night of 7 Dec as the army withdrew to the outskirts; full control was announced early on 8 Dec, the day Damascus fell." + NOTE_APPROX),
    "southern-opposition-2024-12": dict(
        name="Southern opposition factions: Daraa, 6-7 Dec 2024", actor="southern-opposition", status="control",
        **{"from": "2024-12-06", "to": "2024-12-07"}, unc=15000, sources=[AJ_11, PGN],
        notes="Most of Daraa governorate, retaken by the southern factions on 6 Dec 2024 (drawn as the OCHA Dar'a outline simplified to ~1 km); before 6 Dec the governorate was government-held, so this zone is only right for 6-7 Dec. From 8 Dec the area is part of the interim government zone." + NOTE_APPROX),
    "sna-2020-03": dict(
        name="SNA and Turkish forces: north Aleppo pocket and Peace Spring strip, March 2020 - 30 Nov 2024", actor="sna", status="control",
        **{"from": "2020-03-06", "to": "2024-11-30"}, unc=15000, sources=[AJ_MAP, HDN],
        notes="Two parts held by the Turkish-backed SNA together with the Turkish army (about 8,835 km2 in all, per Wikipedia's 'Turkish occupation of northern Syria'): the north Aleppo pocket Afrin - Azaz - Al-Bab - Jarabulus (Turkish border north, Euphrates east, south edge just south of Al-Bab, Sajur river against SDF-held Manbij), and the Peace Spring strip taken in Oct 2019 from just west of Tel Abyad to just east of Ras al-Ain, ~120 km wide, south edge on the M4." + NOTE_APPROX),
    "sna-2024-12": dict(
        name="SNA and Turkish forces, 1-7 Dec 2024 (with Tal Rifaat)", actor="sna", status="control",
        **{"from": "2024-12-01", "to": "2024-12-07"}, unc=15000, sources=[AJ_11, TRT_TR, SHAFAQ_TR, WP_DAWN],
        notes="As the baseline plus the Tal Rifaat pocket, taken from the SDF on 1 Dec 2024 in the SNA's 'Dawn of Freedom' operation (reported by Daily Sabah and TRT); before 1 Dec Tal Rifaat was SDF-held." + NOTE_APPROX),
    "sna-2025": dict(
        name="SNA (merging into the new army) and Turkish forces, Dec 2024 - 17 Jan 2026 (with Manbij)", actor="sna", status="control",
        **{"from": "2024-12-08", "to": "2026-01-17"}, unc=15000, sources=[TRT, SHAFAQ_T],
        notes="The north Aleppo pocket now joined to Manbij (taken from the SDF on 9 Dec 2024, so the 8 Dec day is wrong) and the Tel Abyad - Ras al-Ain strip. The SNA was formally merged into the interim government's army during 2025 and Turkish forces remain (the latter unsourced); this zone ends on 17 Jan 2026, after which these areas count as government (not separately sourced). The Tishrin Dam, handed to a joint/government force in Apr 2025, is on the edge and not drawn separately." + NOTE_APPROX),
    "sdf-2020-03": dict(
        name="SDF / AANES north-east with Tal Rifaat, March 2020 - 30 Nov 2024", actor="sdf", status="control",
        **{"from": "2020-03-06", "to": "2024-11-30"}, unc=15000, sources=[AJ_MAP, HDN],
        notes="Everything east of the Euphrates except the Peace Spring strip (Kobani, Raqqa, Qamishli, Al-Hasakah, Al-Shaddadi, Al-Hol camp, the Deir ez-Zor east bank down to Al-Baghouz with the Al-Omar, Conoco and Al-Tanak fields), plus west of the river Manbij district, Tabqa and the south bank of Raqqa governorate, and the separate Tal Rifaat pocket north of Aleppo (second polygon). Government security enclaves in Al-Hasakah and Qamishli and the Sheikh Maqsoud/Ashrafieh districts of Aleppo are not drawn." + NOTE_APPROX),
    "sdf-2024-12-01": dict(
        name="SDF / AANES north-east, 1-5 Dec 2024 (without Tal Rifaat)", actor="sdf", status="control",
        **{"from": "2024-12-01", "to": "2024-12-05"}, unc=15000, sources=[AJ_MAP, TRT_TR, SHAFAQ_TR, PGN],
        notes="1-5 Dec 2024: the baseline's north-east less the Tal Rifaat pocket, lost to the SNA on 1 Dec, and before the SDF crossed to the Deir ez-Zor west bank on 6 Dec." + NOTE_APPROX),
    "sdf-2024-12": dict(
        name="SDF / AANES, 6-7 Dec 2024 (with the Deir ez-Zor west bank)", actor="sdf", status="control",
        **{"from": "2024-12-06", "to": "2024-12-07"}, unc=20000, sources=[PGN, DELIL, TEL],
        notes="As the baseline without Tal Rifaat (lost to the SNA on 1 Dec) and with Deir ez-Zor city and the west-bank villages from Deir ez-Zor to Abu Kamal, taken on 6 Dec 2024 as the army withdrew and left again within about two days of 8 Dec; the west-bank strip is only right for 6-7 Dec. Manbij stays SDF until 9 Dec." + NOTE_APPROX),
    "sdf-2025": dict(
        name="SDF / AANES, Dec 2024 - 17 Jan 2026 (10 March 2025 agreement)", actor="sdf", status="control",
        **{"from": "2024-12-08", "to": "2026-01-17"}, unc=15000, sources=[TEHRAN, DELIL, ETANA, SYDIR, SHAFAQ_T],
        notes="Under the 10 March 2025 al-Sharaa-Abdi agreement (mostly not implemented): everything east of the Euphrates from Kobani to the Iraqi border except the Peace Spring strip, the Deir ez-Zor east bank from the Khabur mouth to Al-Baghouz, and west of the river Tabqa, the Euphrates Dam, the al-Shamiyeh area south of the river and the Deir Hafer - Maskanah pocket of eastern Aleppo. When the SDF took Deir Hafer - Maskanah is not sourced. Manbij (9 Dec 2024) and the Deir ez-Zor west bank (~10 Dec 2024) are not included, so 8-9 Dec are approximate; the Aleppo districts (left 1 Apr 2025) and the Tishrin Dam (Apr 2025) are not drawn." + NOTE_APPROX),
    "sdf-2026-01": dict(
        name="SDF / AANES after the January 2026 offensive: Kobani pocket and northern Al-Hasakah", actor="sdf", status="control",
        **{"from": "2026-01-18", "to": None}, unc=20000, sources=[WP_2026, FMT, SYROBS, SOUTHFRONT_KOB, K24, OKAZ],
        notes="After the 17-19 Jan 2026 offensive and the 18 Jan agreement (SDF to withdraw east of the Euphrates and to Al-Hasakah governorate): (1) an encircled pocket around Kobani on the Turkish border; (2) the north of Al-Hasakah governorate: Qamishli, the centre of Al-Hasakah city and the belt along the Turkish border east of Ras al-Ain to the Tigris (the extent east of Qamishli is unsourced). The south edge, a little south of Al-Hasakah city from the Khabur to the Iraqi border north of al-Hol, is inferred from the places reported taken; no map was retrieved. Ghwayran prison falls just inside; its hand-over date is not sourced. Al-Shaddadi was taken on 19 Jan, so 18 Jan is approximate. Under the 30 Jan 2026 comprehensive agreement Interior Ministry forces are to enter the Al-Hasakah and Qamishli centres and the SDF is being integrated into the army; the sources at hand do not say when that was implemented, so the zone is left open-ended as SDF control." + NOTE_APPROX),
    "interim-government-2024-12": dict(
        name="Interim government areas, 8 Dec 2024 - 16 Jul 2025", actor="interim-government", status="control",
        **{"from": "2024-12-08", "to": "2025-07-16"}, unc=15000, sources=[AJ_11, DELIL, TRT, QAIM, SYDIR],
        notes="After Assad's fall on 8 Dec 2024 (HTS and most factions merged into the new Defence Ministry): the west and centre including Aleppo, Idlib, Homs, Hama, Damascus, the coast, Daraa, Suwayda, Palmyra, Al-Sukhnah and the Badiya, and the Deir ez-Zor west bank (Deir ez-Zor city, Mayadin, Abu Kamal; the Al-Qaim crossing reopened on 14 Jun 2025). Suwayda was run de facto by local Druze factions with limited state presence (no source retrieved for Dec 2024 - Jul 2025). The SDF held the Deir ez-Zor west bank until about 10 Dec 2024. The Al-Tanf 55 km zone and the ISIS presence area overlap this polygon." + NOTE_APPROX),
    "interim-government-2025-07": dict(
        name="Interim government areas, 17 Jul 2025 - 17 Jan 2026 (without Druze-held Suwayda)", actor="interim-government", status="control",
        **{"from": "2025-07-17", "to": "2026-01-17"}, unc=15000, sources=[LWJ_SUW, AJ_SUW, EUSAYS, TEHRAN],
        notes="As the previous snapshot, with a hole for the Suwayda area held by Druze factions after the July 2025 clashes (government forces entered Suwayda on 14-16 Jul and then withdrew; the 17 Jul start is approximate). Government forces and Bedouin tribes keep the western Suwayda countryside (Tal Hadid, Tha'la). The SDF-Damascus deal on Aleppo's Sheikh Maqsoud is not drawn; the SDF left Aleppo city on 10 Jan 2026." + NOTE_APPROX),
    "interim-government-2026-01": dict(
        name="Interim government areas from 18 Jan 2026", actor="interim-government", status="control",
        **{"from": "2026-01-18", "to": None}, unc=20000, sources=[WP_2026, ETANA, ECOI, AJ_0118, FMT, ST_0120, K24, OKAZ],
        notes="After the January 2026 offensive: everything west of the Euphrates, all of Raqqa governorate (Raqqa, Tabqa, the former SNA Tel Abyad strip, counted as government through the SNA's merger into the army, not separately sourced), all of Deir ez-Zor governorate on both banks (Al-Omar, Conoco, Al-Tanak, Al-Baghouz) and southern Al-Hasakah (the Khabur valley through Al-Shaddadi, taken 19 Jan, and Al-Hol camp, UNHCR-run from 22 Jan with a government perimeter). The former SNA north Aleppo pocket is included (whether Turkish troops remain is not sourced). Holes: none except Druze-held Suwayda; the Kobani pocket and northern Al-Hasakah stay SDF (see sdf-2026-01). Lines moved daily on 17-19 Jan; open-ended, last checked against reports of 30 Jan 2026. Al-Tanf was reported handed to government forces around 11-12 Feb 2026." + NOTE_APPROX),
    "suwayda-druze-2025-07": dict(
        name="Druze factions (Suwayda) from July 2025", actor="suwayda-druze", status="control",
        **{"from": "2025-07-17", "to": None}, unc=15000, sources=[LWJ_SUW, AJ_SUW, EUSAYS],
        notes="Suwayda city and most of the Druze east and south of Jabal al-Arab, held by factions loyal to Sheikh Hikmat al-Hijri (a 'National Guard' from late Aug 2025, checkpoints up to Umm al-Zaytoun on the Damascus road) after government forces withdrew following the 13-16 Jul 2025 clashes; the 17 Jul start is approximate. The west edge leaves the western countryside (Tal Hadid, Tha'la) to the government; the south edge is drawn south of Salkhad and the east edge along the eastern slopes of the Jabal, both guesses within +/-15 km. The empty eastern desert of the governorate is not included. Open-ended: last sourced Aug 2025." + NOTE_APPROX),
    "israel-golan": dict(
        name="Israeli-held Golan Heights", actor="israel", status="control",
        **{"from": "1974-05-31", "to": None}, unc=3000, sources=[NE_UNDOF],
        notes="The Golan Heights, occupied by Israel since 1967 and annexed by Israel in 1981, not recognised internationally: de jure Syrian (inside the OCHA outline), de facto Israeli (inside Natural Earth's Israel polygon). Drawn between the OCHA outline (simplified to ~1 km) and the west edge of Natural Earth's UNDOF area-of-separation polygon, i.e. the line of the 31 May 1974 disengagement agreement (the start date is that agreement, from general knowledge; before it the line differed)."),
    "israel-buffer-2024-12": dict(
        name="Israeli-held buffer: UNDOF area of separation and Mount Hermon, from 8 Dec 2024", actor="israel", status="buffer",
        **{"from": "2024-12-08", "to": None}, unc=10000, sources=[VOA, DEEPNEWZ, NE_UNDOF],
        notes="Since 7-8 Dec 2024 Israel holds the UNDOF area of separation (75 km long, from the Mount Hermon summit to the Yarmouk at the Jordanian border, 10 km to 200 m wide; at least 10 positions by 15 Dec 2024) and the Syrian side of Mount Hermon, about 400 km2 in all, with incursions up to ~14 km into Syria. Drawn as Natural Earth's UNDOF polygon with its east edge moved ~2.5 km east and extended north-east over the Syrian Hermon slopes (about 10 km from the summit); the extent of the incursions beyond is not mapped. Open-ended: no withdrawal reported in the sources."),
    "us-coalition-al-tanf-55km": dict(
        name="Al-Tanf 55 km deconfliction zone (US garrison and Syrian Free Army)", actor="us-coalition", status="deconfliction",
        **{"from": "2016-01-01", "to": "2026-02-11"}, unc=0, circle=([38.61778, 33.50583], 55000),
        sources=[WP_TANF, LWJ, PATURKEY, SF_TANF],
        notes="A 55 km-radius circle around the Al-Tanf base (Wikipedia infobox point, via the gazetteer), patrolled by the Syrian Free Army with the US garrison; it reaches the Iraqi border at the Al-Tanf/Al-Waleed crossing and the Jordanian border (the circle is not clipped to Syria: the part outside Syria has no meaning). The sources give only the year 2016 for the start: 2016-01-01 is a placeholder for 'during 2016'. The end is the last day before the reported US withdrawal of about 11-12 Feb 2026, when government forces took the base over. On 6 Dec 2024 the Syrian Free Army expanded out of the zone into the desert (to Palmyra after the fall); that expansion is not drawn. Not control: the zone overlaps the government zones."),
    "isis-badiya-presence": dict(
        name="ISIS cell presence in the Badiya (not control)", actor="isis", status="presence",
        **{"from": "2019-03-23", "to": None}, unc=20000, sources=[PLEDGE, SOHR_4000, NEWLINES, ALMON, SF_PALMYRA],
        notes="An envelope around the desert areas where ISIS cells operate after losing their last territory at Al-Baghouz (March 2019; 23 March is the date the coalition announced it, general knowledge): from Jabal Abu Rajmayn north-east of Palmyra north-east to the south Raqqa / western Deir ez-Zor desert (west of the river, not the river villages), south-east along the desert west of the Mayadin - Abu Kamal road, west along the Deir ez-Zor - Homs desert south of Al-Sukhnah, south-west to the northern edge of Suwayda governorate near Al-Safa, and back north-west past Palmyra and Jazal. The envelope covers tens of thousands of km2, far more than the ~4,000 km2 the sources say the cells actually use: do not read it as ISIS-held. There are no front lines; the ground is nominally government (Assad, then interim government) and this zone overlaps those control zones. ISIS cells also operate in SDF-held areas (not drawn). Open-ended: activity continued in 2025 (ISIS checkpoint near Palmyra, Apr 2025)."),
}

NE_PATH = "../shared/data/boundaries/syria-governorates-ne10m.geojson"
BDIR = "data/boundaries"

if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    BDIR = sys.argv[1]
    if len(sys.argv) == 4:
        NE_PATH = sys.argv[3]
    main(sys.argv[1], sys.argv[2])
