/* stopwords.c - the built-in stopword lists and the stopword set.
**
** Each list was written for byline: the closed-class words of a language,
** grouped by kind (articles, pronouns, prepositions, conjunctions, forms
** of the auxiliary verbs, frequent adverbs). Content words never belong
** here; in English "us" is left out on purpose because the acronym "U.S."
** analyses to "us". Invariant: the set is read-only once built, so one
** analyzer's lookups never allocate.
*/
#include "analysis/stopwords.h"

#include <stdlib.h>
#include <string.h>

#include "byline.h"

static const char english[] =
    "# articles, determiners\n"
    "a an the this that these those each every either neither some any no\n"
    "all both few more most other such own same\n"
    "# pronouns\n"
    "i me my mine myself you your yours yourself yourselves he him his\n"
    "himself she her hers herself it its itself we our ours ourselves\n"
    "they them their theirs themselves who whom whose which what\n"
    "# prepositions\n"
    "about above across after against along among around at before behind\n"
    "below beneath beside between beyond by down during for from in inside\n"
    "into near of off on onto out outside over past since through\n"
    "throughout to toward towards under until up upon with within without\n"
    "# conjunctions, adverbs\n"
    "and but or nor so yet if then than because while although though\n"
    "as when where why how whether once here there now also just only\n"
    "very too again further not\n"
    "# auxiliaries\n"
    "am is are was were be been being have has had having do does did\n"
    "doing will would shall should can could may might must\n"
    "# contractions\n"
    "it's i'm i've i'll i'd you're you've you'll he's she's we're we've\n"
    "they're they've that's there's don't doesn't didn't isn't aren't\n"
    "wasn't weren't hasn't haven't hadn't won't wouldn't can't couldn't\n";

static const char german[] =
    "# Artikel\n"
    "der die das des dem den ein eine einer eines einem einen\n"
    "# Pronomen\n"
    "ich du er sie es wir ihr mich dich sich uns euch mir dir ihm ihn\n"
    "ihnen mein meine meiner meinem meinen meines dein deine deinem\n"
    "deinen deiner sein seine seinem seinen seiner seines ihre ihrem\n"
    "ihren ihrer ihres unser unsere unserem unseren unserer euer eure\n"
    "dieser diese dieses diesem diesen jener jene jenes jenem jenen\n"
    "welcher welche welches welchem welchen man jemand niemand etwas\n"
    "nichts alle alles allem allen aller jeder jede jedes jedem jeden\n"
    "kein keine keinem keinen keiner keines dessen deren\n"
    "# Präpositionen\n"
    "an am auf aus bei beim bis durch für gegen hinter in im ins mit nach\n"
    "neben ohne seit über um unter vom von vor während wegen zu zum zur\n"
    "zwischen\n"
    "# Konjunktionen, Adverbien\n"
    "und oder aber denn sondern dass daß ob weil wenn als wie damit\n"
    "sowie doch noch nur auch schon so da dann dort hier nun sehr nicht\n"
    "wieder immer\n"
    "# Hilfsverben\n"
    "bin bist ist sind seid war warst waren wart gewesen sein habe hast\n"
    "hat haben habt hatte hatten werde wirst wird werden werdet wurde\n"
    "wurden worden kann kannst können konnte muss musste soll sollte\n"
    "will wollte würde würden\n";

static const char french[] =
    "# articles\n"
    "le la les l un une des du de d au aux\n"
    "# pronoms\n"
    "je j me m moi tu te t toi il elle on nous vous ils elles se s lui\n"
    "leur leurs eux y en ce c cet cette ces ceci cela ça celui celle ceux\n"
    "celles qui que qu quoi dont mon ma mes ton ta tes son sa ses notre\n"
    "nos votre vos même\n"
    "# prépositions\n"
    "à dans par pour sur sous avec sans chez entre vers contre depuis\n"
    "pendant avant après\n"
    "# conjonctions, adverbes\n"
    "et ou mais donc or ni car si comme quand lorsque puisque ne pas plus\n"
    "très aussi où\n"
    "# auxiliaires\n"
    "être suis es est sommes êtes sont était étaient été sera seront\n"
    "serait avoir ai as a avons avez ont avait avaient eu aura auront\n"
    "aurait\n";

static const char spanish[] =
    "# artículos\n"
    "el la lo los las un una unos unas del al\n"
    "# pronombres\n"
    "yo me mí mi mis tú te ti tu tus él ella ello nos nosotros nosotras\n"
    "vosotros vosotras os ellos ellas le les se sí su sus nuestro nuestra\n"
    "nuestros nuestras vuestro vuestra este esta esto estos estas ese esa\n"
    "eso esos esas aquel aquella que qué quien quienes cual cuales cuyo\n"
    "# preposiciones\n"
    "a ante bajo con contra de desde en entre hacia hasta para por según\n"
    "sin sobre tras durante\n"
    "# conjunciones, adverbios\n"
    "y e o u ni pero sino porque como cuando donde si no más muy ya\n"
    "también\n"
    "# auxiliares\n"
    "ser es son era eran fue fueron sido sea estar está están estaba\n"
    "estado haber he has ha hemos han había habían habido hay\n";

static const char italian[] =
    "# articoli\n"
    "il lo la i gli le l un uno una un' del dello della dei degli delle\n"
    "al allo alla ai agli alle dal dallo dalla dai dagli dalle nel nello\n"
    "nella nei negli nelle sul sullo sulla sui sugli sulle col\n"
    "# pronomi\n"
    "io me mi tu te ti lui lei egli ella noi ci vi voi loro si sé ne\n"
    "mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra\n"
    "nostri nostre vostro vostra questo questa questi queste quello\n"
    "quella quelli quelle che chi cui\n"
    "# preposizioni\n"
    "di a da in con su per tra fra\n"
    "# congiunzioni, avverbi\n"
    "e ed o od ma però se come quando dove perché non più anche già\n"
    "molto\n"
    "# ausiliari\n"
    "essere sono sei è siamo siete era erano fu stato stata stati sarà\n"
    "avere ho hai ha abbiamo avete hanno aveva avevano avuto\n";

static const char portuguese[] =
    "# artigos\n"
    "o a os as um uma uns umas do da dos das no na nos nas ao aos à às\n"
    "dum duma num numa pelo pela pelos pelas\n"
    "# pronomes\n"
    "eu me mim tu te ti ele ela nós vós eles elas se si lhe lhes meu\n"
    "minha meus minhas teu tua seu sua seus suas nosso nossa nossos\n"
    "nossas este esta estes estas isto esse essa esses essas isso aquele\n"
    "aquela aquilo que quem qual quais cujo\n"
    "# preposições\n"
    "de em por para com sem sob sobre entre até desde contra após\n"
    "# conjunções, advérbios\n"
    "e ou mas nem porque como quando onde se não mais muito já também\n"
    "# auxiliares\n"
    "ser é são era eram foi foram sido seja estar está estão estava\n"
    "estavam ter tem têm tinha tinham teve ter há haver\n";

static const char dutch[] =
    "# lidwoorden\n"
    "de het een 't\n"
    "# voornaamwoorden\n"
    "ik me mij mijn jij je jou jouw u uw hij hem zijn zij ze haar wij we\n"
    "ons onze jullie hun hen zich dit dat deze die wie wat welk welke\n"
    "iets niets alle alles elk elke geen\n"
    "# voorzetsels\n"
    "aan achter bij binnen boven door in langs met na naar naast om onder\n"
    "op over per sinds tegen tot tussen uit van voor zonder\n"
    "# voegwoorden, bijwoorden\n"
    "en of maar want dus omdat als dan toen terwijl hoewel er hier daar\n"
    "waar niet nog al ook wel zo nu heel zeer\n"
    "# hulpwerkwoorden\n"
    "ben bent is zijn was waren geweest heb hebt heeft hebben had hadden\n"
    "gehad word wordt worden werd werden kan kunnen kon moet moeten\n"
    "zal zullen zou zouden wil willen\n";

static const char swedish[] =
    "# artiklar, pronomen\n"
    "en ett den det de dem denna detta dessa jag mig min mitt mina du dig\n"
    "din ditt dina han honom hans hon henne hennes vi oss vår vårt våra\n"
    "ni er ert era sig sin sitt sina deras som vad vem vilken vilket\n"
    "vilka man någon något några ingen inget inga all allt alla\n"
    "# prepositioner\n"
    "av på i till från med för om under över efter före mellan genom\n"
    "utan hos mot vid ur\n"
    "# konjunktioner, adverb\n"
    "och eller men att när då så som eftersom om inte här där nu också\n"
    "mycket bara redan\n"
    "# hjälpverb\n"
    "är var varit vara har hade haft ha blir blev blivit bli kan kunde\n"
    "ska skulle vill ville må måste\n";

static const char norwegian[] =
    "# artikler, pronomen\n"
    "en ei et den det de dem denne dette disse jeg meg min mi mitt mine\n"
    "du deg din di ditt dine han ham hans hun henne hennes vi oss vår\n"
    "vårt våre dere deres seg sin si sitt sine som hva hvem hvilken\n"
    "hvilket hvilke noen noe ingen alle alt\n"
    "# preposisjoner\n"
    "av på i til fra med for om under over etter før mellom gjennom uten\n"
    "hos mot ved\n"
    "# konjunksjoner, adverb\n"
    "og eller men at når da så fordi hvis ikke her der nå også mye bare\n"
    "allerede\n"
    "# hjelpeverb\n"
    "er var vært være har hadde hatt ha blir ble blitt bli kan kunne skal\n"
    "skulle vil ville må måtte\n";

static const char danish[] =
    "# artikler, pronomener\n"
    "en et den det de dem denne dette disse jeg mig min mit mine du dig\n"
    "din dit dine han ham hans hun hende hendes vi os vores I jer jeres\n"
    "sig sin sit sine deres som hvad hvem hvilken hvilket hvilke nogen\n"
    "noget ingen intet alle alt\n"
    "# præpositioner\n"
    "af på i til fra med for om under over efter før mellem gennem uden\n"
    "hos mod ved\n"
    "# konjunktioner, adverbier\n"
    "og eller men at når da så fordi hvis ikke her der nu også meget\n"
    "kun allerede\n"
    "# hjælpeverber\n"
    "er var været være har havde haft have bliver blev blevet blive kan\n"
    "kunne skal skulle vil ville må måtte\n";

static const char finnish[] =
    "# pronominit\n"
    "minä minun minua minulle minut sinä sinun sinua sinulle sinut hän\n"
    "hänen häntä hänelle me meidän meitä meille te teidän teitä teille\n"
    "he heidän heitä heille se sen sitä siitä siinä sille ne niiden\n"
    "niitä niille tämä tämän tätä tässä tästä tähän nämä näiden näitä\n"
    "tuo tuon tuota nuo joka jonka jota jossa josta johon jolle jotka\n"
    "joiden joita mikä minkä mitä kuka kenen ketä\n"
    "# konjunktiot, partikkelit\n"
    "ja sekä tai vai mutta että koska kun jos vaikka kuin myös vain jo\n"
    "niin nyt siis\n"
    "# kieltoverbi ja olla\n"
    "ei en et emme ette eivät olen olet on olemme olette ovat oli olin\n"
    "olit olivat ollut olleet olla ole\n";

static const char russian[] =
    "# местоимения\n"
    "я меня мне мной мы нас нам нами ты тебя тебе тобой вы вас вам вами\n"
    "он его ему им нём она её ей ею ней оно они их ими них себя себе\n"
    "мой моя моё мои твой твоя твоё твои наш наша наше наши ваш ваша\n"
    "ваше ваши свой своя своё свои этот эта это эти того тот та те\n"
    "который которая которое которые кто что чего чем весь вся всё все\n"
    "всех\n"
    "# предлоги\n"
    "в во на с со к ко о об обо от до из за по под над при про для без\n"
    "через между у\n"
    "# союзы, частицы\n"
    "и а но или да же ли бы не ни как так если чтобы когда где тоже\n"
    "также уже ещё только вот\n"
    "# вспомогательные\n"
    "быть был была было были будет будут есть\n";

static const struct {
    const char *lang;          /* Snowball name */
    const char *words;
} lists[] = {
    {"english", english},       {"porter", english},
    {"german", german},         {"french", french},
    {"spanish", spanish},       {"italian", italian},
    {"portuguese", portuguese}, {"dutch", dutch},
    {"swedish", swedish},       {"norwegian", norwegian},
    {"danish", danish},         {"finnish", finnish},
    {"russian", russian},
};

const char *bl_stopwords_builtin(const char *lang)
{
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (strcmp(lists[i].lang, lang) == 0)
            return lists[i].words;
    return NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

int bl_stopwords_parse(const char *text, size_t len, bl_stopword_fn fn,
                       void *ctx)
{
    size_t i = 0;

    while (i < len) {
        size_t start;
        int rc;

        if (is_space(text[i])) {
            i++;
            continue;
        }
        if (text[i] == '#') {
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        start = i;
        while (i < len && !is_space(text[i]) && text[i] != '#')
            i++;
        rc = fn(ctx, text + start, i - start);
        if (rc != 0)
            return rc;
    }
    return BL_OK;
}

#define FILTER_BITS 4096

static size_t filter_bit(uint64_t hash)
{
    return (size_t)(hash >> 40) & (FILTER_BITS - 1);
}

typedef struct slot {
    uint64_t hash;             /* 0 marks an empty slot */
    uint32_t off;              /* word's offset in the pool */
    uint32_t len;              /* word's length */
} slot;

struct bl_stopset {
    slot *slots;               /* open addressing, linear probing */
    size_t cap;                /* power of two */
    size_t count;              /* words held; at most cap / 2 */
    size_t max_len;            /* longest word: longer ones skip the probe */
    uint64_t filter[FILTER_BITS / 64]; /* bit (hash >> 40) % FILTER_BITS
                                  set for every word: most other words
                                  are turned away by one bit test */
    char *pool;                /* the words, back to back */
    size_t pool_len;
    size_t pool_cap;
};

int bl_stopset_new(bl_stopset **out)
{
    bl_stopset *s;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    s->cap = 64;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (s->slots == NULL) {
        free(s);
        return BL_ENOMEM;
    }
    *out = s;
    return BL_OK;
}

void bl_stopset_free(bl_stopset *s)
{
    if (s == NULL)
        return;
    free(s->slots);
    free(s->pool);
    free(s);
}

/* Hash 0 marks empty slots; fold it onto 1. */
static uint64_t fix_hash(uint64_t h)
{
    return h == 0 ? 1 : h;
}

static int grow(bl_stopset *s)
{
    size_t cap = s->cap * 2;
    slot *slots = calloc(cap, sizeof *slots);

    if (slots == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        size_t j;

        if (s->slots[i].hash == 0)
            continue;
        j = (size_t)s->slots[i].hash & (cap - 1);
        while (slots[j].hash != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return BL_OK;
}

int bl_stopset_add(bl_stopset *s, const char *word, size_t len,
                   uint64_t hash)
{
    size_t j;

    if (bl_stopset_has(s, word, len, hash))
        return BL_OK;
    if (len > UINT32_MAX || s->pool_len + len > UINT32_MAX)
        return BL_ELIMIT;
    if ((s->count + 1) * 2 > s->cap && grow(s) != BL_OK)
        return BL_ENOMEM;
    if (s->pool_len + len > s->pool_cap) {
        size_t cap = s->pool_cap ? s->pool_cap * 2 : 1024;
        char *p;

        while (cap < s->pool_len + len)
            cap *= 2;
        p = realloc(s->pool, cap);
        if (p == NULL)
            return BL_ENOMEM;
        s->pool = p;
        s->pool_cap = cap;
    }
    if (len > 0)
        memcpy(s->pool + s->pool_len, word, len);
    hash = fix_hash(hash);
    j = (size_t)hash & (s->cap - 1);
    while (s->slots[j].hash != 0)
        j = (j + 1) & (s->cap - 1);
    s->slots[j].hash = hash;
    s->slots[j].off = (uint32_t)s->pool_len;
    s->slots[j].len = (uint32_t)len;
    s->pool_len += len;
    s->count++;
    if (len > s->max_len)
        s->max_len = len;
    s->filter[filter_bit(hash) / 64] |= 1ULL << (filter_bit(hash) % 64);
    return BL_OK;
}

bool bl_stopset_has(const bl_stopset *s, const char *word, size_t len,
                    uint64_t hash)
{
    size_t j;

    if (len > s->max_len)
        return false;
    hash = fix_hash(hash);
    if (!(s->filter[filter_bit(hash) / 64] >> (filter_bit(hash) % 64) & 1))
        return false;
    j = (size_t)hash & (s->cap - 1);
    while (s->slots[j].hash != 0) {
        const slot *e = &s->slots[j];

        if (e->hash == hash && e->len == len &&
            memcmp(s->pool + e->off, word, len) == 0)
            return true;
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

size_t bl_stopset_count(const bl_stopset *s)
{
    return s->count;
}
