//! Swedish templates, and the few German, Spanish and French ones (questions,
//! complaints, praise and short replies; other intents fall back to English, as
//! a foreign customer of a Nordic brand would often write).

use super::phrases::Intent;
use super::vocab::Lang;

/// The templates for `intent` in `lang`, or `None` to fall back to English.
pub fn templates(lang: Lang, intent: Intent) -> Option<&'static [&'static str]> {
    let list: &'static [&'static str] = match (lang, intent) {
        (Lang::Sv, Intent::Question) => &SV_QUESTION,
        (Lang::Sv, Intent::Complaint) => &SV_COMPLAINT,
        (Lang::Sv, Intent::Praise) => &SV_PRAISE,
        (Lang::Sv, Intent::Competitor) => &SV_COMPETITOR,
        (Lang::Sv, Intent::FeatureRequest) => &SV_FEATURE_REQUEST,
        (Lang::Sv, Intent::Chatter) => &SV_CHATTER,
        (Lang::Sv, Intent::Campaign) => &SV_CAMPAIGN,
        (Lang::Sv, Intent::Outage) => &SV_OUTAGE,
        (Lang::Sv, Intent::ReplyAnswer) => &SV_REPLY_ANSWER,
        (Lang::Sv, Intent::ReplyAgree) => &SV_REPLY_AGREE,
        (Lang::Sv, Intent::ReplyThanks) => &SV_REPLY_THANKS,
        (Lang::Sv, Intent::ReplyFollowUp) => &SV_REPLY_FOLLOW_UP,
        (Lang::Sv, Intent::BrandSupport) => &SV_BRAND_SUPPORT,
        (Lang::Sv, Intent::BrandThanks) => &SV_BRAND_THANKS,
        (Lang::Sv, Intent::Heated1) => &SV_HEATED_1,
        (Lang::Sv, Intent::Heated2) => &SV_HEATED_2,
        (Lang::Sv, Intent::Heated3) => &SV_HEATED_3,
        (Lang::De, Intent::Question) => &DE_QUESTION,
        (Lang::De, Intent::Complaint) => &DE_COMPLAINT,
        (Lang::De, Intent::Praise) => &DE_PRAISE,
        (Lang::Es, Intent::Question) => &ES_QUESTION,
        (Lang::Es, Intent::Complaint) => &ES_COMPLAINT,
        (Lang::Es, Intent::Praise) => &ES_PRAISE,
        (Lang::Fr, Intent::Question) => &FR_QUESTION,
        (Lang::Fr, Intent::Complaint) => &FR_COMPLAINT,
        (Lang::Fr, Intent::Praise) => &FR_PRAISE,
        _ => return None,
    };
    Some(list)
}

const SV_QUESTION: [&str; 16] = [
    "Hur kopplar jag {product} till {integration}?",
    "Fungerar {product} med {integration}?",
    "Vet någon varför {product} {problem}?",
    "Kan man använda Glow-lamporna utan hubben?",
    "Hur återställer jag min {device}?",
    "Var hittar jag {feature} efter uppdateringen till {version}?",
    "När kommer min beställning? Det har gått {wait}.",
    "Går det att ställa in {feature} bara för {room}?",
    "Har ni studentrabatt på startpaketet?",
    "Hur lång garanti är det på {product}?",
    "Undrar om någon har fått {product} att fungera med {integration}",
    "Kan någon förklara vad den blinkande orange lampan på hubben betyder?",
    "Finns det något sätt att dela {feature} med min sambos telefon?",
    "Kommer {feature} till Android-appen snart?",
    "Hur många lampor klarar en hubb?",
    "Tips på hur man får hubben att funka med mesh-wifi?",
];
const SV_COMPLAINT: [&str; 10] = [
    "{product} {problem} {time}. Riktigt irriterande{neg}",
    "@lumora appen {problem} {time}, snälla fixa det",
    "Betalade {price} för en {device} som {problem}. Inte imponerad.",
    "Tredje gången den här månaden som hubben {problem}{neg}",
    "Uppdateringen till {version} förstörde {feature} för mig.",
    "Lumoras support har inte svarat på mitt mejl på {wait}.",
    "Beställde ett startpaket för {wait} sedan, fortfarande inget{neg}",
    "Varför nollställs {feature} vid varje uppdatering? Så frustrerande",
    "Lamporna i {room} {problem} {time}. Inte okej för det priset.",
    "Väntar fortfarande på återbetalningen för min {device}.",
];
const SV_PRAISE: [&str; 10] = [
    "Äntligen har jag satt upp {product} i {room} och det blev så fint{pos}",
    "{feature} är det bästa med Lumora{pos}",
    "Supporten fixade min {device} på {duration}. Grym service!",
    "Vaknade till soluppgångslarmet igen, årets bästa köp{pos}",
    "Lumora + {integration} är en riktigt bra kombo{pos}",
    "Så enkelt att installera {product}{pos}",
    "Tre månader med Lumora och inte ett enda avbrott. Imponerad.",
    "Ljusslingan bakom tv:n är helt magisk{pos}",
    "Stort tack till Lumoras support, supersnälla idag",
    "Mysigt i {room} ikväll tack vare Lumora{pos}",
];
const SV_COMPETITOR: [&str; 6] = [
    "Bytte från Glimmr till Lumora förra månaden och appen är mycket snabbare",
    "Glimmr är billigare men Lumoras app är mycket bättre",
    "Ärligt talat gör Glimmr {feature} bättre än Lumora just nu",
    "Funderar på att byta från Glimmr, kan jag behålla mina gamla lampor?",
    "Lumora eller Glimmr till en liten lägenhet?",
    "Glimmr har redan Matter. Lumora, vad väntar ni på?",
];
const SV_FEATURE_REQUEST: [&str; 5] = [
    "Snälla lägg till {feature} i klockappen",
    "Skulle älska att kunna gruppera lamporna i {room} och {room2}",
    "Önskemål: låt {feature} följa solnedgången automatiskt",
    "Kan ni göra ett mörkt läge i appen?",
    "Det vore toppen om {feature} fungerade utan internet",
];
const SV_CHATTER: [&str; 6] = [
    "Beställde två Glow-lampor till för {room}",
    "Hub 2 kom idag, packar upp ikväll",
    "Filmkväll med ljusslingan på havsblått{pos}",
    "Katten har lärt sig att rörelsesensorn tänder i köket",
    "Höstläge aktiverat: varmvitt överallt{pos}",
    "Fredagskväll, {room}, levande ljus-läget. Mer behövs inte.",
];
const SV_CAMPAIGN: [&str; 5] = [
    "Vårt {room} för #LumoraNights{pos}",
    "Levande ljus-läget och regn ute = perfekt #LumoraNights",
    "Mitt bidrag till #LumoraNights 🌙",
    "Mysig kväll i {room} #LumoraNights",
    "Gäller #LumoraNights-rabatten även Hub 2?",
];
const SV_OUTAGE: [&str; 6] = [
    "Är Lumora nere? Appen hittar inte hubben",
    "Fungerar inte appen för någon annan heller?",
    "@lumora alla mina lampor är offline, vad händer?",
    "Kan inte släcka i {room}, Lumora ligger nere{neg}",
    "Hubben offline och appen laddar bara. Någon mer?",
    "Varför finns det ingen lokal styrning när Lumoras servrar ligger nere?",
];
const SV_REPLY_ANSWER: [&str; 6] = [
    "Hade samma problem, dra ur hubben i 30 sekunder så löser det sig",
    "Du behöver hubben för det, lamporna själva klarar bara Bluetooth",
    "Kolla att wifi har 2,4 GHz, hubben klarar inte 5 GHz",
    "Funkar fint med {integration} hos mig",
    "Håll inne knappen på {device} i 10 sekunder tills den blinkar två gånger",
    "Det ligger under Inställningar → Automationer sedan {version}",
];
const SV_REPLY_AGREE: [&str; 5] = [
    "Samma här {time}",
    "+1, exakt samma för mig",
    "Skönt att det inte bara är jag",
    "Håller med, {feature} behöver bli bättre",
    "Japp, min också{neg}",
];
const SV_REPLY_THANKS: [&str; 4] = [
    "Tack, det löste det!",
    "Det funkade, tack{pos}",
    "Perfekt, tack för snabbt svar",
    "Toppen, nu funkar allt",
];
const SV_REPLY_FOLLOW_UP: [&str; 4] = [
    "Någon uppdatering?",
    "Fick du det att fungera till slut?",
    "Vilken firmware har du?",
    "Har supporten hört av sig?",
];
const SV_BRAND_SUPPORT: [&str; 6] = [
    "Hej {first}! Tråkigt att höra. Kan du skicka ett DM med hubbens serienummer så kollar vi? {agent}",
    "Hej {first}, tack för att du säger till. Vi tittar på det och återkommer här. {agent}",
    "Hej {first}! Du hittar det under Inställningar → Automationer sedan {version}. {agent}",
    "Förlåt väntan, {first}. Vi har svarat på ditt mejl med en returetikett. {agent}",
    "Hej {first}, en ny {device} är på väg till dig. {agent}",
    "Tack för ditt tålamod, {first}. En rättning kommer i nästa uppdatering. {agent}",
];
const SV_BRAND_THANKS: [&str; 4] = [
    "Tack så mycket, {first}!{pos}",
    "Vad fint, {first}! Njut av de mysiga kvällarna{pos}",
    "Tack för de fina orden, {first}. Vi hälsar teamet!",
    "Så kul att höra, {first}!{pos}",
];
const SV_HEATED_1: [&str; 4] = [
    "Så funktioner jag har betalat för hamnar bakom en prenumeration? Besviken.",
    "Jag köpte hubben för att det inte fanns någon prenumeration.",
    "Hoppas verkligen att ni tänker om.",
    "Riktigt tråkigt. Hela huset har Lumora.",
];
const SV_HEATED_2: [&str; 4] = [
    "Det här är ju rena bluffen.",
    "Löjligt. Köper aldrig Lumora igen.",
    "Girigt. Jag byter till Glimmr.",
    "Skämt till företag just nu.",
];
const SV_HEATED_3: [&str; 4] = [
    "Ni är helt värdelösa, idioter.",
    "Håll käften, ingen bryr sig om era ursäkter.",
    "Vilka pinsamma idioter som styr det här företaget.",
    "Dra åt helvete med er prenumeration.",
];
const DE_QUESTION: [&str; 5] = [
    "Weiß jemand, ob der Lumora Hub mit {integration} funktioniert?",
    "Wie setze ich den Hub zurück?",
    "Kann man die Glow-Lampen ohne Hub benutzen?",
    "Wann kommt meine Bestellung? Es sind schon zwei Wochen.",
    "Gibt es Lumora auch in Österreich zu kaufen?",
];
const DE_COMPLAINT: [&str; 3] = [
    "Der Hub ist seit gestern offline, sehr ärgerlich.",
    "Nach dem Update funktionieren meine Zeitpläne nicht mehr.",
    "Die App stürzt ständig ab{neg}",
];
const DE_PRAISE: [&str; 3] = [
    "Super einfache Einrichtung, bin begeistert{pos}",
    "Der Lichtstreifen hinter dem Fernseher sieht toll aus{pos}",
    "Toller Support, danke!",
];
const ES_QUESTION: [&str; 4] = [
    "¿Alguien sabe si el Lumora Hub funciona con {integration}?",
    "¿Cómo reinicio el Hub?",
    "¿Envían a España?",
    "¿Las bombillas Glow funcionan sin el Hub?",
];
const ES_COMPLAINT: [&str; 2] = [
    "El Hub se desconecta cada noche, qué frustración.",
    "Mi pedido lleva dos semanas sin llegar{neg}",
];
const ES_PRAISE: [&str; 2] = [
    "Me encanta cómo queda la tira de luz en el salón{pos}",
    "Instalación facilísima, muy contento{pos}",
];
const FR_QUESTION: [&str; 4] = [
    "Est-ce que le Lumora Hub fonctionne avec {integration} ?",
    "Comment réinitialiser le Hub ?",
    "Vous livrez en Belgique ?",
    "Quelqu'un sait pourquoi l'application ne trouve plus mes ampoules ?",
];
const FR_COMPLAINT: [&str; 2] = [
    "Le Hub se déconnecte tous les soirs, c'est pénible.",
    "Toujours pas reçu ma commande après deux semaines{neg}",
];
const FR_PRAISE: [&str; 2] = [
    "Installation super simple, j'adore{pos}",
    "Le mode bougie est magnifique{pos}",
];
