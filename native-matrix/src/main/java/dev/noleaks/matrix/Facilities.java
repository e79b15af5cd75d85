package dev.noleaks.matrix;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.NumberFormat;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Locale;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.spec.GCMParameterSpec;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamReader;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.stream.StreamResult;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/**
 * Large JDK facilities whose first use in a JVM loads classes, compiles code and fills caches (the
 * XSLT compiler generates classes; the schema validator builds its grammars), none of which is a
 * leak.
 */
final class Facilities {

  private static volatile long sink;

  private Facilities() {}

  static void sink(long value) {
    sink += value;
  }

  static void xml() throws Exception {
    String doc = "<items>" + "<item id='1'>a</item><item id='2'>b</item>".repeat(50) + "</items>";
    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    Document parsed = dbf.newDocumentBuilder().parse(new InputSource(new StringReader(doc)));
    sink(
        ((Double)
                XPathFactory.newInstance()
                    .newXPath()
                    .evaluate(
                        "count(//item[@id='2'])", parsed, javax.xml.xpath.XPathConstants.NUMBER))
            .longValue());
    String xslt =
        "<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
            + "<xsl:template match='/'><out><xsl:for-each select='//item'>"
            + "<x><xsl:value-of select='@id'/></x></xsl:for-each></out></xsl:template>"
            + "</xsl:stylesheet>";
    StringWriter out = new StringWriter();
    TransformerFactory.newInstance()
        .newTransformer(new StreamSource(new StringReader(xslt)))
        .transform(new StreamSource(new StringReader(doc)), new StreamResult(out));
    sink(out.toString().length());
  }

  static void crypto() throws Exception {
    sink(MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.UTF_8))[0]);
    KeyGenerator aes = KeyGenerator.getInstance("AES");
    aes.init(256);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] iv = new byte[12];
    new SecureRandom().nextBytes(iv);
    gcm.init(Cipher.ENCRYPT_MODE, aes.generateKey(), new GCMParameterSpec(128, iv));
    sink(gcm.doFinal(new byte[4096]).length);
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    sink(ec.generateKeyPair().getPublic().getEncoded().length);
  }

  static void timeAndLocales() {
    for (String zone : new String[] {"Asia/Tokyo", "America/New_York", "Europe/Paris"}) {
      for (Locale locale : new Locale[] {Locale.JAPAN, Locale.FRANCE, Locale.GERMANY}) {
        sink(
            DateTimeFormatter.ofLocalizedDateTime(FormatStyle.FULL)
                .withLocale(locale)
                .format(ZonedDateTime.now(ZoneId.of(zone)))
                .length());
        sink(NumberFormat.getCurrencyInstance(locale).format(1234.5).length());
      }
    }
  }

  /** XML Schema validation, StAX, GZIP and java.util.logging. */
  static void schemaStaxZipAndLogging() throws Exception {
    String xsd =
        "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>"
            + "<xs:element name='items'><xs:complexType><xs:sequence>"
            + "<xs:element name='item' type='xs:string' maxOccurs='unbounded'/>"
            + "</xs:sequence></xs:complexType></xs:element></xs:schema>";
    String doc = "<items>" + "<item>a</item>".repeat(20) + "</items>";
    SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
        .newSchema(new StreamSource(new StringReader(xsd)))
        .newValidator()
        .validate(new StreamSource(new StringReader(doc)));
    XMLStreamReader stax =
        XMLInputFactory.newInstance().createXMLStreamReader(new StringReader(doc));
    while (stax.hasNext()) {
      sink(stax.next());
    }
    stax.close();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(doc.getBytes(StandardCharsets.UTF_8));
    }
    try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(gz.toByteArray()))) {
      sink(z.readAllBytes().length);
    }
    Logger.getLogger(Facilities.class.getName()).finest("not logged");
  }
}
