//! `standard:` conditions (spec §1): named, predefined checks merged under the rule's own keys.
//!
//! Source of the domain lists: Reddit's "standard conditions" wiki page
//! (reddit.com/r/reddit.com/wiki/automoderator/standard-conditions), as quoted in the
//! r/AdvancedAutoModerator wiki ("fundamentals/standard-conditions", 2024), which says each
//! standard is "effectively just including the line(s) shown below their name". The image
//! hosting list was read from that quotation; the video, streaming, crowdfunding and meme lists
//! are the same page's lists as reproduced by an open-source AutoModerator reimplementation, and
//! have not been checked against Reddit's page letter by letter. The three regex-based standards
//! (direct image links, facebook links, amazon affiliate links) could not be sourced exactly and
//! are refused with an "unsupported standard" error rather than approximated.

/// The YAML a standard stands for, or the error to report.
pub(crate) fn definition(name: &str) -> Result<&'static str, String> {
    match name {
        "image hosting sites" => Ok(IMAGE_HOSTING),
        "video hosting sites" => Ok(VIDEO_HOSTING),
        "streaming sites" => Ok(STREAMING),
        "crowdfunding sites" => Ok(CROWDFUNDING),
        "meme generator sites" => Ok(MEME_GENERATORS),
        "direct image links" | "facebook links" | "amazon affiliate links" => Err(format!(
            "unsupported standard `{name}`: Tend does not ship its definition (Reddit's exact patterns are not public); write the check yourself, e.g. with `url (regex)`"
        )),
        _ => Err(format!(
            "unknown standard `{name}` (Tend has: image hosting sites, video hosting sites, streaming sites, crowdfunding sites, meme generator sites)"
        )),
    }
}

const IMAGE_HOSTING: &str = "domain: [500px.com, abload.de, anony.ws, deviantart.com, deviantart.net, fav.me, fbcdn.net, flickr.com, forgifs.com, giphy.com, gfycat.com, gifs.com, gifsoup.com, gyazo.com, imageshack.us, imgclean.com, imgur.com, instagr.am, instagram.com, i.reddituploads.com, mediacru.sh, media.tumblr.com, min.us, minus.com, myimghost.com, photobucket.com, picsarus.com, postimg.org, puu.sh, i.redd.it, sli.mg, staticflickr.com, tinypic.com, twitpic.com, ibb.co]\n";

const VIDEO_HOSTING: &str = "domain: [youtube.com, youtu.be, vimeo.com, dailymotion.com, liveleak.com, mediacru.sh, worldstarhiphop.com, gfycat.com, vid.me]\n";

const STREAMING: &str = "domain: [twitch.tv, livestream.com, azubu.tv, hitbox.tv, ustream.tv]\n";

const CROWDFUNDING: &str = "domain: [crowdrise.com, kickstarter.com, kck.st, giveforward.com, gogetfunding.com, indiegogo.com, igg.me, generosity.com, gofundme.com, patreon.com, prefundia.com, razoo.com, totalgiving.co.uk, youcaring.com, youcaring.net, youcaring.org, petcaring.com, walacea.com]\n";

const MEME_GENERATORS: &str = "domain: [9gag.com, cheezburger.com, chzbgr.com, diylol.com, dropmeme.com, generatememes.com, ifunny.co, imgflip.com, ismeme.com, livememe.com, makeameme.org, meme-generator.org, memecaptain.com, memecenter.com, memecloud.net, memecreator.org, memecrunch.com, memedad.com, memegen.com, memegenerator.co, memegenerator.net, mememaker.net, memesly.com, memesnap.com, minimemes.net, onsizzle.com, pressit.co, qkme.me, quickmeme.com, ratemymeme.com, sizzle.af, troll.me, weknowmemes.com, winmeme.com, wuzu.se]\n";
